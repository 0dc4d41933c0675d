"""Every setting the platform reads from its environment, in one place. Read on every call of
``settings()``, so that tests and the CLI can point the platform elsewhere; the dbt project and the export
contract the code location is built from are read once, when it is imported (``DBT_PROJECT_DIR``,
``EXPORTS_FILE``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
DEFAULT_DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
DEFAULT_EXPORTS_FILE = Path(__file__).resolve().parents[1] / "ingest" / "exports.yaml"

DEFAULT_MAX_FILE_BYTES = 2 * 1024**3

ENGINES = ("duckdb", "spark")


@dataclass(frozen=True)
class Paths:
    landing_dir: Path
    data_dir: Path

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def published(self) -> Path:
        return self.data_dir / "published.duckdb"

    @property
    def spark_dir(self) -> Path:
        """dbt-spark's in-process session keeps its warehouse and its Derby metastore here."""
        return self.data_dir / "spark"


@dataclass(frozen=True)
class Settings:
    """The environment variables, by what they mean (the README lists them too)."""

    landing_dir: Path  # C360_LANDING_DIR: the channels' exports (default data/landing)
    data_dir: Path  # C360_DATA_DIR: the warehouse, the published versions, logs (default data)
    duckdb_memory_limit: str | None  # C360_DUCKDB_MEMORY_LIMIT: caps every DuckDB connection (dbt's too)
    partitions_start: str  # C360_PARTITIONS_START: the first file date loaded (default 2025-01-01)
    publish_keep: int  # C360_PUBLISH_KEEP: published versions kept for rollback (default 5)
    pseudonym_key: str | None  # C360_PSEUDONYM_KEY: writes the pseudonymised copy, hashed with this key
    erasure_key: str | None  # C360_ERASURE_KEY: the erasure hash key (else a secret in the data folder)
    alert_webhook: str | None  # C360_ALERT_WEBHOOK: a WeCom group robot for failure alerts
    max_file_bytes: int  # C360_MAX_FILE_BYTES: the most text one export may expand to (default 2 GiB)
    kill_at: str | None  # C360_KILL_AT: a crash point the fault tests kill the process at
    dagster_home: str | None  # DAGSTER_HOME: a Dagster instance for `c360 run` (else an ephemeral one)
    serve_keys: str | None  # C360_SERVE_KEYS: `c360 serve`'s API keys, "scope:key" separated by commas
    serve_keys_file: Path | None  # C360_SERVE_KEYS_FILE: a file of hashed API keys for `c360 serve`
    dbt_project_dir: Path  # C360_DBT_PROJECT_DIR: the dbt project (default dbt_project/), e.g. a test's copy
    exports_file: Path  # C360_EXPORTS_FILE: the export contract (default orchestration/ingest/exports.yaml)

    engine: str  # C360_ENGINE: duckdb (default, embedded) or spark (dbt-spark; target `spark` of profiles.yml)
    lake_dir: Path  # C360_LAKE_DIR: raw tables as Parquet for Spark, one folder per table (default <data>/lake)
    java_home: str | None  # JAVA_HOME: the JRE Spark starts (else `java` on the PATH)
    spark_method: str  # C360_SPARK_METHOD: session (default: Spark in dbt's process), thrift or http (a cluster)
    spark_lake_uri: str | None  # C360_SPARK_LAKE_URI: the lake as a cluster reads it (s3a://…; default the lake dir)
    spark_warehouse_dir: Path | None  # C360_SPARK_WAREHOUSE_DIR: a cluster's warehouse as mounted here (session: <data>/spark/warehouse)

    @property
    def paths(self) -> Paths:
        return Paths(self.landing_dir, self.data_dir)

    @property
    def dbt_target(self) -> str:
        """The profiles.yml target of the engine. Spark's reads its connection from C360_SPARK_* there."""
        return self.engine

    @property
    def duckdb_config(self) -> dict[str, str]:
        """Settings for the DuckDB connections the platform opens itself; past the memory limit DuckDB
        spills to disk."""
        return {"memory_limit": self.duckdb_memory_limit} if self.duckdb_memory_limit else {}


def _value(name: str) -> str | None:
    return os.environ.get(name) or None


def _engine() -> str:
    engine = (_value("C360_ENGINE") or "duckdb").strip().lower()
    if engine not in ENGINES:
        raise ValueError(f"C360_ENGINE={engine!r}: expected one of {', '.join(ENGINES)}")
    return engine


def settings() -> Settings:
    data_dir = Path(_value("C360_DATA_DIR") or "data").resolve()
    return Settings(
        landing_dir=Path(_value("C360_LANDING_DIR") or "data/landing").resolve(),
        data_dir=data_dir,
        duckdb_memory_limit=_value("C360_DUCKDB_MEMORY_LIMIT"),
        partitions_start=_value("C360_PARTITIONS_START") or "2025-01-01",
        publish_keep=int(_value("C360_PUBLISH_KEEP") or 5),
        pseudonym_key=_value("C360_PSEUDONYM_KEY"),
        erasure_key=_value("C360_ERASURE_KEY"),
        alert_webhook=_value("C360_ALERT_WEBHOOK"),
        max_file_bytes=int(_value("C360_MAX_FILE_BYTES") or DEFAULT_MAX_FILE_BYTES),
        kill_at=_value("C360_KILL_AT"),
        dagster_home=_value("DAGSTER_HOME"),
        serve_keys=_value("C360_SERVE_KEYS"),
        serve_keys_file=Path(_value("C360_SERVE_KEYS_FILE")) if _value("C360_SERVE_KEYS_FILE") else None,
        dbt_project_dir=Path(_value("C360_DBT_PROJECT_DIR") or DEFAULT_DBT_PROJECT_DIR).resolve(),
        exports_file=Path(_value("C360_EXPORTS_FILE") or DEFAULT_EXPORTS_FILE).resolve(),
        engine=_engine(),
        lake_dir=Path(_value("C360_LAKE_DIR") or data_dir / "lake").resolve(),
        java_home=_value("JAVA_HOME"),
        spark_method=_value("C360_SPARK_METHOD") or "session",
        spark_lake_uri=_value("C360_SPARK_LAKE_URI"),
        spark_warehouse_dir=Path(_value("C360_SPARK_WAREHOUSE_DIR")).resolve() if _value("C360_SPARK_WAREHOUSE_DIR") else None,
    )


# The code location's assets are built from these when it is imported, so they are read once, then.
DBT_PROJECT_DIR = settings().dbt_project_dir
EXPORTS_FILE = settings().exports_file


def paths() -> Paths:
    return settings().paths


def duckdb_config() -> dict[str, str]:
    return settings().duckdb_config


@contextmanager
def child_environment(values: dict[str, str]) -> Iterator[None]:
    """These variables set for the block (e.g. while it starts dbt, which inherits the environment), then
    restored: a setting of one run never leaks into the next run of the same process."""
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
