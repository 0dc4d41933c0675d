"""Staging models are incremental: after new days, a file loaded again with fewer rows, and rows removed
from raw, each staging table equals the one a build from empty makes of the same raw rows."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import polars as pl
import pytest

from c360_tools.generate import generate
from orchestration.dbt.project import DBT_PROJECT_DIR, dbt_executable
from orchestration.ingest.load import REMOVALS_TABLE
from orchestration.ingest.pipeline import ingest_landing

pytestmark = pytest.mark.slow

STAGING_TABLES_SQL = "select table_name from duckdb_tables() where schema_name = 'staging' order by 1"


def dbt_run_staging(warehouse: Path, *extra: str) -> None:
    target = warehouse.parent / "dbt_target"
    subprocess.run(
        [dbt_executable(), "run", "--quiet", "--select", "path:models/staging", "--project-dir", str(DBT_PROJECT_DIR),
         "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target), *extra],
        check=True, cwd=DBT_PROJECT_DIR, env={**os.environ, "C360_WAREHOUSE": str(warehouse)},
    )


def ingest(warehouse: Path, landing: Path) -> None:
    with duckdb.connect(str(warehouse)) as con:
        ingest_landing(con, landing)


def link_days(source: Path, target: Path, last_day: str) -> None:
    for path in source.rglob("*"):
        if path.is_file() and path.name[:10] <= last_day:
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            if not destination.exists():
                shutil.copy(path, destination)


def staging_snapshot(warehouse: Path) -> dict[str, pl.DataFrame]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [t for (t,) in con.execute(STAGING_TABLES_SQL).fetchall()]
        return {
            t: con.sql(f"select * exclude (_loaded_at) from staging.{t} order by all").pl() for t in tables
        }


def assert_same_staging(incremental: Path, reference_landing: Path, tmp: Path) -> None:
    reference = tmp / "reference.duckdb"
    reference.unlink(missing_ok=True)
    ingest(reference, reference_landing)
    dbt_run_staging(reference)
    built, expected = staging_snapshot(incremental), staging_snapshot(reference)
    assert set(built) == set(expected) and len(built) == 14
    for table, frame in expected.items():
        assert frame.height > 0, table
        assert built[table].equals(frame), f"staging.{table} differs from a build from empty"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = tmp_path_factory.mktemp("incremental")
    summary = generate(root / "gen", persons=400, days=6, seed=5)
    return root, summary.landing_dir


def test_incremental_staging_equals_a_build_from_empty(generated):
    root, full_landing = generated
    landing, warehouse = root / "landing", root / "warehouse.duckdb"
    days = sorted({p.name[:10] for p in full_landing.rglob("*") if p.is_file()})

    link_days(full_landing, landing, days[-2])
    ingest(warehouse, landing)
    dbt_run_staging(warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        before = con.execute("select count(*) from staging.stg_miniprogram__orders").fetchone()[0]

    # one new day: only its keys are ranked again
    link_days(full_landing, landing, days[-1])
    ingest(warehouse, landing)
    dbt_run_staging(warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        after = con.execute("select count(*) from staging.stg_miniprogram__orders").fetchone()[0]
        loaded_at = con.execute("select count(distinct _loaded_at) from staging.stg_miniprogram__orders").fetchone()[0]
    assert after > before and loaded_at >= 2
    assert_same_staging(warehouse, landing, root)


def test_a_file_loaded_again_with_fewer_rows_rebuilds_its_staging_model(generated):
    root, _ = generated
    landing, warehouse = root / "landing", root / "warehouse.duckdb"
    orders = sorted((landing / "miniprogram" / "orders").glob("*.csv"))[0]
    lines = orders.read_bytes().splitlines(keepends=True)
    orders.write_bytes(b"".join(lines[: len(lines) // 2]))  # the header and the first half of the rows

    ingest(warehouse, landing)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        markers = con.execute(f"select table_name, reason from {REMOVALS_TABLE}").fetchall()
    assert ("miniprogram__orders", "replaced") in markers

    dbt_run_staging(warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute(f"select count(*) from {REMOVALS_TABLE} where table_name = 'miniprogram__orders'").fetchone()[0] == 0
    assert_same_staging(warehouse, landing, root)


@pytest.mark.long  # a warehouse from before incremental staging: the other two cases stay in CI
def test_a_staging_table_from_before_incremental_builds_is_rebuilt(generated):
    root, _ = generated
    landing, warehouse = root / "landing", root / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:  # as staging tables were before they kept the incremental columns
        con.execute("alter table staging.stg_crm__members drop column _record_key")
        con.execute("alter table staging.stg_crm__members drop column _loaded_at")
    dbt_run_staging(warehouse)
    assert_same_staging(warehouse, landing, root)
