"""Pointing the platform at a Spark cluster (issue 15): the labelled sample's nightly job with
``C360_SPARK_METHOD=thrift`` against a Spark Thrift server (tests/spark_thrift.py, on this machine) whose
warehouse the platform reads where it is mounted (``C360_SPARK_WAREHOUSE_DIR``), as it would read a
cluster's object storage through a mount. The published tables equal the DuckDB run's; while dbt builds,
another process reads the same metastore through the server (the local session's embedded Derby allows
one process at a time).

A few minutes (a second JVM beside the run): ``make test-spark``, not ``make test``.
"""

from __future__ import annotations

import threading
import time

import pytest
from engines import assert_same_table, compare_published, spark_work_dir
from spark_thrift import thrift_server

from c360.runner import run_nightly
from orchestration.lib.settings import Paths, child_environment
from orchestration.lib.spark_folders import spark_tables
from orchestration.publish.tables import published_tables

pytestmark = [pytest.mark.spark, pytest.mark.shared]

ONE_KEY = {"C360_ERASURE_KEY": "one secret for both runs"}


class MetastoreReader(threading.Thread):
    """Another client of the server's metastore while the run goes on: lists the marts every few seconds."""

    def __init__(self, host: str, port: int):
        super().__init__(daemon=True)
        self.host, self.port = host, port
        self.stop = threading.Event()
        self.listings: list[int] = []
        self.errors: list[str] = []

    def run(self) -> None:
        from pyhive import hive

        connection = hive.connect(host=self.host, port=self.port, username="reader")
        try:
            while not self.stop.wait(3):
                try:
                    cursor = connection.cursor()
                    cursor.execute("show tables in marts")
                    self.listings.append(len(cursor.fetchall()))
                except Exception as exc:  # the schema does not exist until dbt creates it
                    if "SCHEMA_NOT_FOUND" not in str(exc):
                        self.errors.append(str(exc)[:300])
        finally:
            connection.close()


PUBLISHED = sorted(t.name for t in published_tables())


@pytest.fixture(scope="module")
def on_a_server(shared_samples, tmp_path_factory):
    root = spark_work_dir(tmp_path_factory, "thrift")
    on_duckdb = Paths(shared_samples / "landing", root / "duckdb")
    on_spark = Paths(shared_samples / "landing", root / "spark")
    with child_environment(ONE_KEY):
        duck = run_nightly(on_duckdb)
    assert duck.failure is None, duck.failure
    with thrift_server(root / "server") as server:
        reader = MetastoreReader(server.host, server.port)
        reader.start()
        started = time.monotonic()
        with child_environment(ONE_KEY | server.environment()):
            result = run_nightly(on_spark)
        seconds = time.monotonic() - started
        reader.stop.set()
        reader.join(timeout=30)
    print(f"\nthe sample's nightly run through a Spark Thrift server: {seconds:.1f} s ({result.failure or 'succeeded'})")
    return on_duckdb, on_spark, server, result, reader


def test_the_nightly_job_succeeds_through_a_thrift_server(on_a_server):
    _, on_spark, server, result, _ = on_a_server
    assert result.failure is None, f"{result.failure} (server log: {server.log})"
    assert not (on_spark.data_dir / "spark").exists()  # nothing of a local session: the server holds it all
    assert "customers" in spark_tables(server.warehouse_dir)["marts"]


@pytest.mark.parametrize("table", PUBLISHED)
def test_its_published_tables_equal_duckdbs(on_a_server, table):
    on_duckdb, on_spark, _, result, _ = on_a_server
    assert result.failure is None, "the run failed (see test_the_nightly_job_succeeds_through_a_thrift_server)"
    assert_same_table(compare_published(on_duckdb.published, on_spark.published)[table])


def test_another_process_reads_the_metastore_while_dbt_builds(on_a_server):
    *_, reader = on_a_server
    assert reader.errors == []
    assert len(reader.listings) > 3 and max(reader.listings) > 0
