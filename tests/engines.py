"""The same nightly run on two engines: build the dbt project on Spark (dbt-spark's in-process session)
and compare its marts, seeds and published tables with DuckDB's, row for row
(tests/integration/test_spark_equivalence.py)."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from orchestration.dbt.project import dbt_executable
from orchestration.lib.settings import DBT_PROJECT_DIR
from orchestration.lib.spark_folders import schema_tables
from orchestration.publish.tables import published_tables

# Floats (ratios, churn probabilities, shares) are computed in another order on Spark: equal within this.
FLOAT_RELATIVE_TOLERANCE = 1e-9
FLOAT_ABSOLUTE_TOLERANCE = 1e-12

# Columns holding the start of the run that wrote them (run_started_at): each engine's own instant.
RUN_TIME_COLUMNS = {
    "audiences": {"computed_at"},
    "customers": {"customer_id_created_at"},
    "customer_id_history": {"changed_at"},
}


def spark_unavailable() -> str | None:
    """Why Spark cannot run here, or None."""
    if shutil.which("java") is None:
        return "no java on PATH: Spark needs a Java 17 JRE (Debian: apt-get install openjdk-17-jre-headless)"
    for module in ("pyspark", "dbt.adapters.spark"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed: pip install -e '.[spark]'"
    return None


@dataclass(frozen=True)
class SparkBuild:
    spark_dir: Path
    target_path: Path
    seconds: float
    returncode: int
    log: Path

    @property
    def warehouse_dir(self) -> Path:
        return self.spark_dir / "warehouse"

    def table_folder(self, schema: str, name: str) -> Path:
        """The folder of the table's current files (a stateful table's current version)."""
        return schema_tables(self.warehouse_dir / f"{schema}.db").get(name, self.warehouse_dir / f"{schema}.db" / name)

    def manifest(self) -> dict:
        return json.loads((self.target_path / "manifest.json").read_text(encoding="utf-8"))


def spark_work_dir(tmp_path_factory, name: str) -> Path:
    """A module's folder for a Spark test; skips it, saying why, without java or the spark extra."""
    missing = spark_unavailable()
    if missing:
        import pytest

        pytest.skip(missing)
    return tmp_path_factory.mktemp(name)


def spark_dbt_env(lake_dir: Path, spark_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
        "C360_LAKE_DIR": str(lake_dir),
        "C360_SPARK_DIR": str(spark_dir),
        "C360_SPARK_METHOD": "session",
    }


def build_on_spark(lake_dir: Path, spark_dir: Path, *args: str, log_name: str = "dbt_build.log") -> SparkBuild:
    """``dbt build --target spark`` over the lake, its warehouse and metastore in ``spark_dir``."""
    target_path = spark_dir / "dbt_target"
    log = spark_dir / log_name
    spark_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with log.open("w", encoding="utf-8") as out:
        completed = subprocess.run(
            [dbt_executable(), "build", "--target", "spark", "--project-dir", str(DBT_PROJECT_DIR),
             "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target_path),
             "--log-path", str(spark_dir / "dbt_logs"), *args],
            env=spark_dbt_env(lake_dir, spark_dir), cwd=DBT_PROJECT_DIR, stdout=out, stderr=subprocess.STDOUT,
        )
    return SparkBuild(spark_dir, target_path, time.monotonic() - started, completed.returncode, log)


def mart_models(manifest: dict) -> list[tuple[str, str]]:
    """(schema, name) of every model under models/marts/."""
    return sorted(
        (node["schema"], node["alias"])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["original_file_path"].startswith("models/marts/")
    )


def _normalise(value):
    """Values of both engines in one comparable form: JSON text parsed, Decimals as floats when not whole."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return _normalise(json.loads(value))
        except ValueError:
            return value
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_normalise(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _sort_key(row):
    return json.dumps(row, default=str, sort_keys=True)


def _close(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return math.isclose(float(a), float(b), rel_tol=FLOAT_RELATIVE_TOLERANCE, abs_tol=FLOAT_ABSOLUTE_TOLERANCE)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    if isinstance(a, datetime) and isinstance(b, datetime):
        return a == b
    return a == b


def _rounded(row):
    """The row with its floats rounded, to sort rows that agree within the tolerance side by side."""
    if isinstance(row, float):
        return float(f"{row:.6g}")
    if isinstance(row, dict):
        return {k: _rounded(v) for k, v in row.items()}
    if isinstance(row, list):
        return [_rounded(v) for v in row]
    return row


@dataclass
class TableComparison:
    name: str
    duckdb_rows: int = 0
    spark_rows: int = 0
    missing_columns: list[str] = field(default_factory=list)  # in DuckDB's table, not in Spark's
    extra_columns: list[str] = field(default_factory=list)
    unequal_rows: int = 0
    examples: list[tuple] = field(default_factory=list)
    run_time_columns_constant: bool = True
    spark_table_missing: bool = False

    @property
    def equal(self) -> bool:
        return (not self.spark_table_missing and self.duckdb_rows == self.spark_rows and not self.missing_columns and not self.extra_columns
                and self.unequal_rows == 0 and self.run_time_columns_constant)


def compare_table(duck: duckdb.DuckDBPyConnection, schema: str, name: str, spark_folder: Path) -> TableComparison:
    """Row-for-row comparison of DuckDB's ``schema.name`` with the Parquet table Spark wrote, order-insensitive."""
    if not any(spark_folder.glob("*.parquet")):
        return TableComparison(name, spark_table_missing=True)
    return compare_relations(duck, name, f"{schema}.{name}", f"read_parquet('{spark_folder}/*.parquet')")


def compare_relations(duck: duckdb.DuckDBPyConnection, name: str, duck_relation: str, spark_relation: str) -> TableComparison:
    """Row-for-row comparison of two relations of one connection (DuckDB's, Spark's), order-insensitive."""
    result = TableComparison(name)
    duck_columns = [r[0] for r in duck.execute(f"select * from {duck_relation} limit 0").description]
    spark_columns = [r[0] for r in duck.execute(f"select * from {spark_relation} limit 0").description]
    result.missing_columns = [c for c in duck_columns if c not in spark_columns]
    result.extra_columns = [c for c in spark_columns if c not in duck_columns]
    run_time = RUN_TIME_COLUMNS.get(name, set())
    shared = [c for c in duck_columns if c in spark_columns and c not in run_time]
    for column in run_time & set(duck_columns) & set(spark_columns):
        for relation in (duck_relation, spark_relation):
            if duck.execute(f'select count(distinct "{column}") from {relation}').fetchone()[0] > 1:
                result.run_time_columns_constant = False
    select = ", ".join(f'"{c}"' for c in shared)
    rows = {}
    for engine, relation in (("duckdb", duck_relation), ("spark", spark_relation)):
        fetched = [_normalise(list(r)) for r in duck.execute(f"select {select} from {relation}").fetchall()]
        rows[engine] = sorted(fetched, key=lambda r: _sort_key(_rounded(r)))
    result.duckdb_rows, result.spark_rows = len(rows["duckdb"]), len(rows["spark"])
    for a, b in zip(rows["duckdb"], rows["spark"]):
        if not _close(a, b):
            result.unequal_rows += 1
            if len(result.examples) < 3:
                result.examples.append(tuple((c, x, y) for c, x, y in zip(shared, a, b) if not _close(x, y)))
    result.unequal_rows += abs(result.duckdb_rows - result.spark_rows)
    return result


def compare_published(duckdb_published: Path, spark_published: Path) -> dict[str, TableComparison]:
    """Every published table of the DuckDB run's version against the Spark run's (schema c360). Both runs
    must share the platform's secret (C360_ERASURE_KEY), which keys identity_links.id_value_hash."""
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"attach '{duckdb_published}' as on_duckdb (read_only)")
        con.execute(f"attach '{spark_published}' as on_spark (read_only)")
        names = sorted(t.name for t in published_tables())
        present = {r[0] for r in con.execute(
            "select table_name from duckdb_tables() where database_name = 'on_spark' and schema_name = 'c360'").fetchall()}
        return {
            name: compare_relations(con, name, f"on_duckdb.c360.{name}", f"on_spark.c360.{name}")
            if name in present else TableComparison(name, spark_table_missing=True)
            for name in names
        }


def assert_same_table(comparison: TableComparison) -> None:
    assert not comparison.spark_table_missing, f"Spark wrote no {comparison.name}"
    assert (comparison.missing_columns, comparison.extra_columns) == ([], [])
    assert comparison.duckdb_rows == comparison.spark_rows
    assert comparison.run_time_columns_constant
    assert comparison.unequal_rows == 0, comparison.examples
    assert comparison.equal


def seeds(manifest: dict) -> list[tuple[str, str]]:
    return sorted((node["schema"], node["alias"]) for node in manifest["nodes"].values() if node["resource_type"] == "seed")


def compare_tables(duckdb_warehouse: Path, build: SparkBuild, tables: list[tuple[str, str]]) -> list[TableComparison]:
    with duckdb.connect(str(duckdb_warehouse), read_only=True) as duck:
        duck.execute("set TimeZone = 'UTC'")
        return [compare_table(duck, schema, name, build.table_folder(schema, name)) for schema, name in tables]


def compare_marts(duckdb_warehouse: Path, build: SparkBuild) -> list[TableComparison]:
    return compare_tables(duckdb_warehouse, build, mart_models(build.manifest()))
