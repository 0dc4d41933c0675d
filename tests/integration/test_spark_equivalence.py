"""The same nightly run on Spark (issue 15): the labelled sample's nightly job, and a small generated set's
(300 persons, 10 days: the generator's proxy orders, recycled numbers, store phones and typos), each run twice, on DuckDB and with
``C360_ENGINE=spark`` (the raw tables exported to the lake, ``dbt build --target spark`` in dbt-spark's
in-process session, local[*], the quality gate and the publish reading Spark's Parquet), and every published
table, every mart and every seed compared row for row (order-insensitive, floats within tests/engines.py's
tolerance; each engine's run start excepted).

About 10-15 minutes on two cores (the JVM, then 1-3 s per model and 0.3-1 s per test): not in `make test`
(addopts leaves the `spark` marker out) but `make test-spark`. Skips, saying why, without java or
pyspark/dbt-spark (pip install -e ".[spark]").
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from engines import (
    SparkBuild,
    assert_same_table,
    build_on_spark,
    compare_published,
    compare_tables,
    mart_models,
    seeds,
    spark_work_dir,
)

from c360.runner import run_nightly
from c360_tools.generate import generate
from orchestration.lib.lake import raw_tables
from orchestration.lib.settings import DBT_PROJECT_DIR, Paths, child_environment
from orchestration.lib.warehouse import Warehouse
from orchestration.publish.tables import published_tables
from orchestration.quality.checks import SUITES, run_quality_gate
from orchestration.quality.suites import Expectation

pytestmark = [pytest.mark.spark, pytest.mark.shared]

MARTS = sorted(p.stem for p in (DBT_PROJECT_DIR / "models" / "marts").rglob("*.sql"))
SEEDS = sorted(p.stem for p in (DBT_PROJECT_DIR / "seeds").glob("*.csv"))
PUBLISHED = sorted(t.name for t in published_tables())


def _nightly_on_spark(paths: Paths):
    started = time.monotonic()
    with child_environment({"C360_ENGINE": "spark"}):
        return run_nightly(paths), time.monotonic() - started


def _landing(which: str, request, root: Path) -> Path:
    if which == "sample":
        return request.getfixturevalue("shared_samples") / "landing"
    return generate(root / "generated", persons=300, days=10, seed=23).landing_dir


@pytest.fixture(scope="module", params=["sample", "generated"])
def engines(request, tmp_path_factory):
    root = spark_work_dir(tmp_path_factory, f"engines_{request.param}")
    landing = _landing(request.param, request, root)
    on_duckdb = Paths(landing, root / "duckdb")
    on_spark = Paths(landing, root / "spark")
    # identity_links hashes values with a key derived from the platform's secret: one for both runs
    with child_environment({"C360_ERASURE_KEY": "one secret for both runs"}):
        duck = run_nightly(on_duckdb)
        assert duck.failure is None, duck.failure
        spark, seconds = _nightly_on_spark(on_spark)
    print(f"\nthe {request.param} set's nightly run on Spark: {seconds:.1f} s ({spark.failure or 'succeeded'})")
    manifest = DBT_PROJECT_DIR / "target" / "manifest.json"  # prepared for the spark target by that run
    build = SparkBuild(on_spark.spark_dir, manifest.parent, seconds, 0 if spark.failure is None else 1, on_spark.data_dir / "run_logs")
    comparisons = {}
    if spark.failure is None:
        # seeds too: dbt-spark's own seed loader would turn quotes, empty cells and backslashes into other text
        tables = compare_tables(on_duckdb.warehouse, build, mart_models(build.manifest()) + seeds(build.manifest()))
        comparisons = {c.name: c for c in tables}
        comparisons |= {f"published.{name}": c for name, c in compare_published(on_duckdb.published, on_spark.published).items()}
    return on_spark, spark, build, comparisons, duck


def _registry(build) -> list[tuple]:
    folder = build.table_folder("intermediate", "int_identity__customer_registry")
    with duckdb.connect() as con:
        return con.execute(f"select record_key, customer_id, customer_id_created_at from read_parquet('{folder}/*.parquet') "
                           "order by record_key").fetchall()


def test_the_nightly_job_succeeds_on_spark(engines):
    _, spark, _, _, duck = engines
    assert spark.failure is None, spark.failure
    assert spark.counts == duck.counts and spark.counts["rows loaded"] > 500


def test_the_lake_holds_every_raw_table(engines):
    paths, _, _, _, _ = engines
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        expected = {t: con.execute(f'select count(*) from raw."{t}"').fetchone()[0] for t in raw_tables(con)}
        lake = paths.data_dir / "lake"
        # a table of export rows is a folder per day (_file_date=…/), the others one file
        on_disk = {t: con.execute(f"select count(*) from read_parquet('{lake / t}/**/*.parquet')").fetchone()[0] for t in expected}
    assert on_disk == expected and expected["miniprogram__orders"] > 0


def test_the_marts_are_the_projects_marts(engines):
    _, _, build, _, _ = engines
    assert sorted(name for _, name in mart_models(build.manifest())) == MARTS


@pytest.mark.parametrize("table", MARTS + SEEDS)
def test_mart_or_seed_equals_duckdbs(engines, table):
    _, spark, _, comparisons, _ = engines
    assert spark.failure is None, "the Spark run failed (see test_the_nightly_job_succeeds_on_spark)"
    assert_same_table(comparisons[table])


@pytest.mark.parametrize("table", PUBLISHED)
def test_published_table_equals_duckdbs(engines, table):
    _, spark, _, comparisons, _ = engines
    assert spark.failure is None, "the Spark run failed (see test_the_nightly_job_succeeds_on_spark)"
    assert_same_table(comparisons[f"published.{table}"])


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
    its new version is written into a folder of its own, the changed rows replace theirs by key, then the
    table is switched to that version."""
    paths, _, build, _, _ = engines
    before = _registry(build)
    strays = _tamper_registry(build)
    assert len(strays) == 3 and _registry(build) != before
    again = build_on_spark(paths.data_dir / "lake", build.spark_dir, "--select",
                           "int_identity__customer_registry", "customer_id_history", "--exclude-resource-type", "unit_test",
                           log_name="dbt_build_again.log")
    assert again.returncode == 0, again.log.read_text(encoding="utf-8", errors="replace")[-4000:]
    after = _registry(build)
    assert len(before) > 500 and after == before
    assert len({key for key, _, _ in after}) == len(after)
    customer_of = {key: customer for key, customer, _ in before}
    history = build.table_folder("marts", "customer_id_history")
    with duckdb.connect() as con:
        merged = set(con.execute(f"select old_customer_id, customer_id from read_parquet('{history}/*.parquet') "
                                 "where change = 'merge' and event_key = old_customer_id").fetchall())
    assert {(stray, customer_of[key]) for key, stray in strays.items()} <= merged


def test_the_quality_gate_validates_spark_dataframes_and_a_failing_suite_fails(engines):
    """With dbt on the local session the suites run on Spark DataFrames (GE's Spark datasource)."""
    paths, spark, _, _, _ = engines
    assert spark.failure is None
    customers = next(s for s in SUITES if s.name == "customers")
    impossible = replace(customers, name="customers_impossible",
                         expectations=(Expectation("expect_table_row_count_to_be_between", {"min_value": 10**9}),))
    warehouse = Warehouse(paths.warehouse, "spark")
    (passed, failed), _ = run_quality_gate(warehouse, paths.data_dir, [customers, impossible], None)
    with warehouse.connect(read_only=True) as con:
        customer_count = con.execute("select count(*) from marts.customers").fetchone()[0]
    assert (passed.dataframes, failed.dataframes) == ("spark", "spark")
    assert passed.success and passed.rows == customer_count > 0
    assert not failed.success and failed.failures[0].observed == customer_count
