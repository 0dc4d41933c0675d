"""Dagster resources: the DuckDB warehouse and the landing folder."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from .lib.files import make_owner_only, owner_only_dir
from .lib.settings import duckdb_config, paths


class WarehouseLocked(RuntimeError):
    pass


class WarehouseUnreadable(dg.Failure):
    """The file exists but DuckDB cannot open it (truncated, corrupt, not a database): retrying won't help."""

    def __init__(self, path: Path, error: duckdb.Error):
        super().__init__(
            description=f"the warehouse {path} cannot be opened ({str(error).splitlines()[0]}): restore it from a "
            "backup, or move it away so the next run rebuilds it from the landing folder",
            allow_retries=False,
        )


def is_lock_conflict(exc: duckdb.Error | str) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


@contextmanager
def open_duckdb(
    path: Path,
    *,
    read_only: bool = False,
    memory_limit: str | None = None,
    lock_timeout_s: float = 60.0,
    retry_every_s: float = 0.5,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection held only while the block runs. Another process holding the file's write lock is
    waited for (up to ``lock_timeout_s``), then reported clearly; the file is never touched meanwhile."""
    owner_only_dir(path.parent)
    config = {**duckdb_config(), **({"memory_limit": memory_limit} if memory_limit else {})}
    deadline = time.monotonic() + lock_timeout_s
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only, config=config)
            break
        except duckdb.Error as exc:
            if not is_lock_conflict(exc):
                raise WarehouseUnreadable(path, exc) from exc
            if time.monotonic() >= deadline:
                raise WarehouseLocked(
                    f"{path} is locked by another process (another run writing the warehouse?); "
                    f"gave up after {lock_timeout_s:.0f}s"
                ) from exc
            time.sleep(retry_every_s)
    con.execute("set enable_progress_bar = false")  # DuckDB prints it past the run's display, to the terminal
    if not read_only:
        make_owner_only(path)  # a file created by an earlier process under a looser umask
    try:
        yield con
    finally:
        con.close()


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB file every pipeline step reads and writes (one writer at a time: pool ``warehouse``)."""

    path: str = ""
    memory_limit: str = ""
    lock_timeout_s: float = 60.0

    @property
    def database(self) -> Path:
        return Path(self.path) if self.path else paths().warehouse

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        with open_duckdb(
            self.database,
            read_only=read_only,
            memory_limit=self.memory_limit or None,
            lock_timeout_s=self.lock_timeout_s,
        ) as con:
            yield con


class LandingResource(dg.ConfigurableResource):
    """The folder the channels' exports land in."""

    path: str = ""

    @property
    def directory(self) -> Path:
        return Path(self.path) if self.path else paths().landing_dir
