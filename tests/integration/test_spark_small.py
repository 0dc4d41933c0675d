"""CI's small Spark case (issue 15): the labelled sample's app users, ingested into a warehouse, exported
to the lake and built on local Spark through dbt-spark (their staging model, its upstream and its tests),
then read back through the warehouse interface as the quality gate and the publish read them, and
compared row for row with the same models built on DuckDB. The whole run on Spark, every published
table compared, is `make test-spark` (tests/integration/test_spark_equivalence.py).

About a minute (the JVM, the lake's sources, a few models). Skips without java or the spark extra."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from engines import compare_relations, spark_work_dir

from orchestration.dbt.project import dbt_executable
from orchestration.identity.assets import LINK_KEY_TABLE
from orchestration.identity.overrides import store_overrides
from orchestration.ingest.pipeline import ingest_landing
from orchestration.lib.settings import DBT_PROJECT_DIR
from orchestration.lib.warehouse import Warehouse

pytestmark = pytest.mark.shared

SELECTION = ["--select", "+stg_app__users", "--exclude-resource-type", "unit_test"]


def _dbt_build(warehouse: Warehouse, target_path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [dbt_executable(), "build", "--target", warehouse.dbt_target, "--project-dir", str(DBT_PROJECT_DIR),
         "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target_path), "--log-path", str(target_path),
         *SELECTION],
        env={**os.environ, "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR), **warehouse.dbt_environment()},
        cwd=DBT_PROJECT_DIR, capture_output=True, text=True, timeout=900,
    )


@pytest.fixture(scope="module")
def built(shared_samples, tmp_path_factory):
    root = spark_work_dir(tmp_path_factory, "spark_small")
    on_spark = Warehouse(root / "spark" / "warehouse.duckdb", "spark")
    on_spark.database.parent.mkdir()
    with on_spark.connect() as con:
        ingest_landing(con, shared_samples / "landing")
        store_overrides(con, [])  # what the asset identity/inputs writes on every run: the sources read them
        con.execute(f"create table {LINK_KEY_TABLE} as select 'a key' as hash_key")
    on_duckdb = Warehouse(root / "duckdb" / "warehouse.duckdb")
    on_duckdb.database.parent.mkdir()
    shutil.copy(on_spark.database, on_duckdb.database)
    exported = on_spark.prepare_dbt_sources()
    results = {w.engine: _dbt_build(w, w.data_dir / "dbt_target") for w in (on_spark, on_duckdb)}
    return on_spark, on_duckdb, exported, results


def test_the_models_and_their_tests_build_on_spark(built):
    _, _, exported, results = built
    assert "app__users" in {t.name for t in exported}
    for engine, result in results.items():
        assert result.returncode == 0, f"{engine}: {result.stdout[-3000:]}"
        assert "ERROR=0" in result.stdout and "SKIP=0" in result.stdout, result.stdout[-3000:]


def test_spark_tables_read_through_the_warehouse_equal_duckdbs(built):
    on_spark, on_duckdb, _, _ = built
    with on_spark.connect(read_only=True) as con:
        on_duckdb.attach(con, "on_duckdb")
        comparison = compare_relations(con, "stg_app__users", "on_duckdb.staging.stg_app__users", "staging.stg_app__users")
        rows = con.execute("select count(*) from raw.app__users").fetchone()[0]
    assert comparison.duckdb_rows > 100 and comparison.duckdb_rows <= rows
    assert (comparison.missing_columns, comparison.extra_columns) == ([], [])
    assert comparison.unequal_rows == 0, comparison.examples
