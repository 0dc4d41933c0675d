"""The same dbt project on Spark (issue 15): the labelled sample's nightly run on DuckDB, its raw tables
exported to the lake as Parquet, ``dbt build --target spark`` over them (dbt-spark's in-process session,
local[*]), and every mart compared row for row with DuckDB's (order-insensitive, floats within
tests/engines.py's tolerance; each engine's run start excepted).

About 10 minutes on two cores (the JVM, then 1-3 s per model and 0.3-1 s per test): not in `make test`
(addopts leaves the `spark` marker out) but `make test-spark`. Skips, saying why, without java or
pyspark/dbt-spark (pip install -e ".[spark]").
"""

from __future__ import annotations

import duckdb
import pytest
from engines import build_on_spark, compare_marts, compare_tables, mart_models, seeds, spark_unavailable

from c360.runner import run_nightly
from orchestration.ingest.lake import export_raw_to_lake, raw_tables
from orchestration.lib.settings import DBT_PROJECT_DIR, Paths

pytestmark = [pytest.mark.spark, pytest.mark.shared]

MARTS = sorted(p.stem for p in (DBT_PROJECT_DIR / "models" / "marts").rglob("*.sql"))
SEEDS = sorted(p.stem for p in (DBT_PROJECT_DIR / "seeds").glob("*.csv"))


@pytest.fixture(scope="module")
def engines(shared_samples, tmp_path_factory):
    missing = spark_unavailable()
    if missing:
        pytest.skip(missing)
    root = tmp_path_factory.mktemp("engines")
    paths = Paths(shared_samples / "landing", root / "duckdb")
    result = run_nightly(paths)
    failure = result.failure or ""
    # The marts are what is compared: a failing quality gate or publish does not stop that.
    assert result.run_id and not failure.startswith("step dbt_models") and "ingest" not in failure.split(":")[0], failure
    exported = export_raw_to_lake(paths.warehouse, root / "lake")
    build = build_on_spark(root / "lake", root / "spark")
    print(f"\nspark dbt build of the sample: {build.seconds:.1f} s (log {build.log})")
    comparisons = {}
    if build.returncode == 0:
        # seeds too: dbt-spark's own seed loader would turn quotes, empty cells and backslashes into other text
        tables = compare_marts(paths.warehouse, build) + compare_tables(paths.warehouse, build, seeds(build.manifest()))
        comparisons = {c.name: c for c in tables}
    return paths, exported, build, comparisons


def _registry(build) -> list[tuple]:
    folder = build.table_folder("intermediate", "int_identity__customer_registry")
    with duckdb.connect() as con:
        return con.execute(f"select record_key, customer_id, customer_id_created_at from read_parquet('{folder}/*.parquet') "
                           "order by record_key").fetchall()


def test_the_lake_holds_every_raw_table(engines):
    paths, exported, _, _ = engines
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        expected = {t: con.execute(f'select count(*) from raw."{t}"').fetchone()[0] for t in raw_tables(con)}
        on_disk = {t.name: con.execute(f"select count(*) from read_parquet('{t.folder}/*.parquet')").fetchone()[0] for t in exported}
    assert on_disk == expected and expected["miniprogram__orders"] > 0


def test_every_model_seed_and_test_builds_on_spark(engines):
    _, _, build, _ = engines
    log = build.log.read_text(encoding="utf-8", errors="replace")
    assert build.returncode == 0, log[-4000:]
    assert "ERROR=0" in log and "SKIP=0" in log


def test_the_marts_are_the_projects_marts(engines):
    _, _, build, _ = engines
    assert sorted(name for _, name in mart_models(build.manifest())) == MARTS


@pytest.mark.parametrize("table", MARTS + SEEDS)
def test_mart_or_seed_equals_duckdbs(engines, table):
    _, _, build, comparisons = engines
    assert build.returncode == 0, "the Spark build failed (see test_every_model_seed_and_test_builds_on_spark)"
    comparison = comparisons[table]
    assert not comparison.spark_table_missing, f"Spark wrote no {table}"
    assert (comparison.missing_columns, comparison.extra_columns) == ([], [])
    assert comparison.duckdb_rows == comparison.spark_rows
    assert comparison.run_time_columns_constant
    assert comparison.unequal_rows == 0, comparison.examples
    assert comparison.equal


def _tamper_registry(build) -> dict[str, str]:
    """Rewrite the registry's Parquet as if a previous run had given one record of each of three
    multi-record customers another, younger id; returns record_key -> that stray id. The next build must
    give them their customer's id back (rows replaced by key) and record each stray id as merged."""
    folder = build.table_folder("intermediate", "int_identity__customer_registry")
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"create table registry as select * from read_parquet('{folder}/*.parquet')")
        con.execute("""
            update registry set customer_id = 'CSTRAY' || upper(md5(record_key)[1:10]),
                   customer_id_created_at = customer_id_created_at + interval 1 day
            where record_key in (
                select min(record_key) from registry group by customer_id having count(*) > 1 order by 1 limit 3)""")
        strays = dict(con.execute("select record_key, customer_id from registry where customer_id like 'CSTRAY%'").fetchall())
        for part in folder.glob("*.parquet"):
            part.unlink()
        con.execute(f"copy registry to '{folder}/part-00000-tampered.parquet' (format parquet)")
    return strays


def test_a_second_build_gives_stray_ids_back_and_keeps_every_other(engines):
    """The registry's delete+insert on plain Parquet (macros/spark/incremental.sql): the table is read while
    its new version is written, the changed rows replace theirs by key, then the table is overwritten."""
    paths, _, build, _ = engines
    before = _registry(build)
    strays = _tamper_registry(build)
    assert len(strays) == 3 and _registry(build) != before
    again = build_on_spark(paths.data_dir.parent / "lake", build.spark_dir, "--select",
                           "int_identity__customer_registry", "customer_id_history", log_name="dbt_build_again.log")
    assert again.returncode == 0, again.log.read_text(encoding="utf-8", errors="replace")[-4000:]
    after = _registry(build)
    assert len(before) > 1000 and after == before
    assert len({key for key, _, _ in after}) == len(after)
    customer_of = {key: customer for key, customer, _ in before}
    history = build.table_folder("marts", "customer_id_history")
    with duckdb.connect() as con:
        merged = set(con.execute(f"select old_customer_id, customer_id from read_parquet('{history}/*.parquet') "
                                 "where change = 'merge' and event_key = old_customer_id").fetchall())
    assert {(stray, customer_of[key]) for key, stray in strays.items()} <= merged
