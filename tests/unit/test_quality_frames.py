"""The quality gate on Spark (orchestration/quality/frames.py, lib/spark_session.py, lib/child_call.py),
the parts that need no JVM: the suites' SQL in Spark's dialect, the session's settings read from
profiles.yml, and the child process the Spark gate runs in. The gate itself runs on Spark in make test-spark."""

import os
import re

import duckdb
import pytest

from orchestration.lib.child_call import call_in_child_process
from orchestration.lib.spark_session import dbt_spark_settings
from orchestration.quality.frames import DuckDBFrames, to_spark_sql
from orchestration.quality.suites import load_suites

STATEMENTS = [
    (f"{suite.name}:{name}", sql)
    for suite in load_suites()
    for name, sql in [("frame", suite.frame_sql), *suite.views, *((r.name, r.sql) for r in suite.reports)]
]
DUCKDB_ONLY = re.compile(r"\b(regexp_full_match|getvariable|len|list_\w+|epoch_ms|strftime)\s*\(", re.IGNORECASE)


@pytest.mark.parametrize(("name", "sql"), STATEMENTS, ids=[name for name, _ in STATEMENTS])
def test_every_suite_statement_reads_as_spark_sql_without_duckdb_functions(name, sql):
    assert DUCKDB_ONLY.search(to_spark_sql(sql)) is None


def test_a_full_match_is_anchored_at_the_very_end_with_its_escapes_kept():
    spark = to_spark_sql(r"select regexp_full_match(phone, '\+[1-9][0-9]{6,14}') as ok from t")
    assert spark == r"SELECT phone RLIKE '^(?:\\+[1-9][0-9]{6,14})\\z' AS ok FROM t"


def test_a_duckdb_variable_is_a_spark_session_variable():
    assert to_spark_sql("select sha256(getvariable('erasure_key') || x) from t") == (
        "SELECT SHA2(system.session.erasure_key || x, 256) FROM t")


def test_raw_is_read_as_the_lakes_views_where_spark_has_them():
    views = {"_files": "raw___files"}
    assert to_spark_sql("select f.file from raw._files as f join raw.other as o using (file)", views.get) == (
        "SELECT f.file FROM raw___files AS f JOIN raw.other AS o USING (file)")


def test_a_full_match_on_a_computed_pattern_is_refused():
    with pytest.raises(ValueError, match="literal pattern"):
        to_spark_sql("select regexp_full_match(a, b) from t")


def test_duckdb_frames_are_pandas_frames_of_the_statement():
    with duckdb.connect() as con:
        frames = DuckDBFrames(con)
        frames.create_view("v", "select 1 as a union all select 2")
        assert frames.row_count(frames.frame("select * from v")) == 2
        assert frames.rows("select sum(a) as total from v") == (("total",), [(3,)])


def test_the_local_session_starts_with_dbt_sparks_settings_and_a_cluster_gets_only_sql_settings(tmp_path):
    local = dbt_spark_settings({"C360_SPARK_DIR": str(tmp_path / "spark"), "C360_SPARK_METHOD": "session"})
    assert local["spark.sql.warehouse.dir"] == f"{tmp_path}/spark/warehouse"
    assert local["spark.hadoop.javax.jdo.option.ConnectionURL"].startswith(f"jdbc:derby:;databaseName={tmp_path}/spark/metastore_db")
    assert local["spark.sql.session.timeZone"] == "UTC"
    cluster = dbt_spark_settings({"C360_SPARK_METHOD": "thrift"})  # what a Thrift server applies to a session
    assert cluster == {"set:hiveconf:spark.sql.session.timeZone": "UTC",
                       "set:hiveconf:spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS"}


def test_a_child_process_returns_its_result_and_raises_its_error():
    assert call_in_child_process(os.getpid) != os.getpid()
    with pytest.raises(ZeroDivisionError):
        call_in_child_process(divmod, 1, 0)
