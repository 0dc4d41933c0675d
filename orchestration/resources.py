"""Dagster resources: the warehouse (its file and engine) and the landing folder."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import Field

from .lib.settings import paths
from .lib.warehouse import Warehouse, WarehouseUnreadable, configured_warehouse


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB file every pipeline step reads and writes (one writer at a time: pool ``warehouse``),
    and the engine dbt builds the models on."""

    path: str = ""
    engine: str = Field(default="", description="duckdb or spark; empty: $C360_ENGINE (default duckdb)")
    memory_limit: str = ""
    lock_timeout_s: float = 60.0

    @property
    def warehouse(self) -> Warehouse:
        default = configured_warehouse()
        return Warehouse(
            database=Path(self.path) if self.path else default.database,
            engine=self.engine.strip().lower() or default.engine,
            memory_limit=self.memory_limit or None,
            lock_timeout_s=self.lock_timeout_s,
            lake=default.lake if not self.path else None,
            spark_method=default.spark_method,
            spark_warehouse=default.spark_warehouse if not self.path else None,
            spark_lake_uri=default.spark_lake_uri,
        )

    @property
    def database(self) -> Path:
        return self.warehouse.database

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        with ExitStack() as stack:
            try:
                con = stack.enter_context(self.warehouse.connect(read_only=read_only))
            except WarehouseUnreadable as exc:
                raise dg.Failure(description=str(exc), allow_retries=False) from exc  # retrying won't help
            yield con


class LandingResource(dg.ConfigurableResource):
    """The folder the channels' exports land in."""

    path: str = ""

    @property
    def directory(self) -> Path:
        return Path(self.path) if self.path else paths().landing_dir
