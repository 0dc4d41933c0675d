"""The warehouse, as every Python step reaches it: one DuckDB file and the engine dbt builds on.

The file ``warehouse.duckdb`` holds the ingest's state (schema ``raw``: the loaded rows, the file manifest,
rejects, erasure requests) on every engine; Python writes nothing else. Where dbt's tables are depends on
the engine:

- ``duckdb``: in the same file (schemas ``staging``, ``intermediate``, ``marts``, ``config``).
- ``spark``: in the Spark session's warehouse, as Parquet folders ``<data>/spark/warehouse/<schema>.db/<table>``.
  A connection attaches each of those schemas as an in-memory catalog of views over the folders, so
  ``marts.customers`` names the same table in every step's SQL on both engines; before dbt runs, the raw
  tables are copied to the lake its sources read (``lib/lake.py``).

A second engine is added here: the ingest, the quality gate, the publish step and the dbt step ask a
``Warehouse`` for connections, an attached copy or dbt's environment, and never open the file themselves.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .files import make_owner_only, owner_only_dir
from .lake import export_raw_to_lake
from .settings import ENGINES, duckdb_config, settings
from .spark_folders import clear_abandoned_writes, spark_tables
from .sql_text import quoted, string_literal


class WarehouseLocked(RuntimeError):
    pass


class WarehouseUnreadable(RuntimeError):
    """The file exists but DuckDB cannot open it (truncated, corrupt, not a database): retrying won't help."""

    def __init__(self, path: Path, error: duckdb.Error):
        super().__init__(
            f"the warehouse {path} cannot be opened ({str(error).splitlines()[0]}): restore it from a "
            "backup, or move it away so the next run rebuilds it from the landing folder"
        )


def is_lock_conflict(exc: duckdb.Error | str) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


def _waiting_for_lock(
    path: Path, opener: Callable[[], duckdb.DuckDBPyConnection], lock_timeout_s: float, retry_every_s: float
) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + lock_timeout_s
    while True:
        try:
            return opener()
        except duckdb.Error as exc:
            if not is_lock_conflict(exc):
                raise WarehouseUnreadable(path, exc) from exc
            if time.monotonic() >= deadline:
                raise WarehouseLocked(
                    f"{path} is locked by another process (another run writing the warehouse?); "
                    f"gave up after {lock_timeout_s:.0f}s"
                ) from exc
            time.sleep(retry_every_s)


@contextmanager
def open_duckdb(
    path: Path,
    *,
    read_only: bool = False,
    memory_limit: str | None = None,
    lock_timeout_s: float = 60.0,
    retry_every_s: float = 0.5,
    attached: bool = False,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection held only while the block runs. Another process holding the file's write lock is
    waited for (up to ``lock_timeout_s``), then reported clearly; the file is never touched meanwhile.
    ``attached``: an in-memory connection with the file attached (as its stem) and in use, so that other
    in-memory catalogs can be attached beside a read-only file."""
    owner_only_dir(path.parent)
    config = {**duckdb_config(), **({"memory_limit": memory_limit} if memory_limit else {})}

    def opener() -> duckdb.DuckDBPyConnection:
        if not attached:
            return duckdb.connect(str(path), read_only=read_only, config=config)
        con = duckdb.connect(":memory:", config=config)
        try:
            con.execute(f"attach ? as {quoted(path.stem)}{' (read_only)' if read_only else ''}", [str(path)])
        except BaseException:
            con.close()
            raise
        con.execute(f"use {quoted(path.stem)}")
        return con

    con = _waiting_for_lock(path, opener, lock_timeout_s, retry_every_s)
    con.execute("set enable_progress_bar = false")  # DuckDB prints it past the run's display, to the terminal
    if not read_only:
        make_owner_only(path)  # a file created by an earlier process under a looser umask
    try:
        yield con
    finally:
        con.close()


def _parquet_view(con: duckdb.DuckDBPyConnection, relation: str, folder: Path) -> None:
    con.execute(f"create or replace view {relation} as select * from read_parquet({string_literal(folder / '*.parquet')})")


@dataclass(frozen=True)
class Warehouse:
    """The warehouse file and the engine dbt builds on (``duckdb`` or ``spark``)."""

    database: Path
    engine: str = "duckdb"
    memory_limit: str | None = None
    lock_timeout_s: float = 60.0
    lake: Path | None = None  # where Spark's sources read raw (default <data>/lake)
    spark_method: str = "session"  # session: Spark runs in dbt's process here; thrift or http: a cluster
    spark_warehouse: Path | None = None  # Spark's warehouse as this machine reads it (default <data>/spark/warehouse)
    spark_lake_uri: str | None = None  # the lake as Spark reads it, when not the path written here (s3a://…)

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"engine {self.engine!r}: expected one of {', '.join(ENGINES)}")

    @property
    def data_dir(self) -> Path:
        return self.database.parent

    @property
    def spark_dir(self) -> Path:
        """dbt-spark's local session keeps its warehouse and its Derby metastore here."""
        return self.data_dir / "spark"

    @property
    def spark_warehouse_dir(self) -> Path:
        """The folder of Spark's ``<schema>.db/<table>/`` files: the local session's, or a cluster's as mounted here."""
        return self.spark_warehouse or self.spark_dir / "warehouse"

    @property
    def lake_dir(self) -> Path:
        return self.lake or self.data_dir / "lake"

    @property
    def dbt_target(self) -> str:
        """The profiles.yml target of the engine."""
        return self.engine

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """The warehouse file, with every table dbt built readable by its usual name (``marts.customers``)."""
        with open_duckdb(
            self.database,
            read_only=read_only,
            memory_limit=self.memory_limit,
            lock_timeout_s=self.lock_timeout_s,
            attached=self.engine == "spark" and read_only,
        ) as con:
            if self.engine == "spark":
                self._attach_spark_schemas_as_catalogs(con)
            yield con

    def attach(self, con: duckdb.DuckDBPyConnection, alias: str) -> None:
        """Make the warehouse readable in another connection as ``<alias>.<schema>.<table>``."""
        if self.engine == "duckdb":
            con.execute(f"attach ? as {quoted(alias)} (read_only)", [str(self.database)])
            return
        state = f"{alias}_state"
        con.execute(f"attach ? as {quoted(state)} (read_only)", [str(self.database)])
        con.execute(f"attach ':memory:' as {quoted(alias)}")
        for schema, tables in spark_tables(self.spark_warehouse_dir).items():
            con.execute(f"create schema {quoted(alias)}.{quoted(schema)}")
            for name, folder in tables.items():
                _parquet_view(con, f"{quoted(alias)}.{quoted(schema)}.{quoted(name)}", folder)
        con.execute(f"create schema {quoted(alias)}.raw")
        for (name,) in con.execute(
            "select table_name from duckdb_tables() where database_name = ? and schema_name = 'raw' "
            "union all select view_name from duckdb_views() where database_name = ? and schema_name = 'raw'",
            [state, state],
        ).fetchall():
            con.execute(f"create view {quoted(alias)}.raw.{quoted(name)} as select * from {quoted(state)}.raw.{quoted(name)}")

    def detach(self, con: duckdb.DuckDBPyConnection, alias: str) -> None:
        con.execute(f"detach {quoted(alias)}")
        if self.engine == "spark":
            con.execute(f"detach {quoted(alias + '_state')}")

    def _attach_spark_schemas_as_catalogs(self, con: duckdb.DuckDBPyConnection) -> None:
        for schema, tables in spark_tables(self.spark_warehouse_dir).items():
            con.execute(f"attach ':memory:' as {quoted(schema)}")
            for name, folder in tables.items():
                _parquet_view(con, f"{quoted(schema)}.main.{quoted(name)}", folder)

    def prepare_dbt_sources(self) -> list:
        """What dbt's sources read on this engine: on Spark, the raw tables copied to the lake."""
        if self.engine == "duckdb":
            return []
        with self.connect(read_only=True) as con:
            return export_raw_to_lake(con, self.lake_dir)

    def clear_abandoned_spark_writes(self) -> list[Path]:
        """Before dbt on the local Spark session: the folders killed builds left (spark_folders)."""
        if self.engine != "spark" or self.spark_method != "session":
            return []
        return clear_abandoned_writes(self.spark_warehouse_dir)

    def dbt_environment(self) -> dict[str, str]:
        """The variables profiles.yml and the Spark source macros read for this engine's target."""
        env = {"C360_WAREHOUSE": str(self.database)}
        if self.engine == "spark":
            env |= {"C360_LAKE_DIR": str(self.lake_dir), "C360_SPARK_DIR": str(self.spark_dir),
                    "C360_SPARK_LAKE_URI": self.spark_lake_uri or str(self.lake_dir)}
        return env


def configured_warehouse() -> Warehouse:
    """The warehouse of the environment's settings ($C360_DATA_DIR, $C360_ENGINE)."""
    current = settings()
    return Warehouse(database=current.paths.warehouse, engine=current.engine, lake=current.lake_dir,
                     spark_method=current.spark_method, spark_warehouse=current.spark_warehouse_dir,
                     spark_lake_uri=current.spark_lake_uri)
