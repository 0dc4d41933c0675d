"""The warehouse interface (orchestration/lib/warehouse.py): on Spark, dbt's tables are Parquet folders of
the Spark session's warehouse, readable by their usual names beside the DuckDB file's raw schema."""

import duckdb
import pytest

from c360 import cli
from orchestration.lib.warehouse import Warehouse, spark_tables


def _parquet(folder, sql):
    folder.mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute(f"copy ({sql}) to '{folder / 'part-00000.snappy.parquet'}' (format parquet)")


@pytest.fixture
def spark_warehouse(tmp_path):
    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create schema raw; create table raw.app__orders as select 'A1' as order_id")
        con.execute("create view raw.ingest_summary as select count(*) as files from raw.app__orders")
    tables = tmp_path / "spark" / "warehouse"
    _parquet(tables / "marts.db" / "customers", "select 'C1' as customer_id union all select 'C2'")
    _parquet(tables / "config.db" / "identity_link_rules", "select 'phone' as rule")
    (tables / "raw.db" / "app__orders").mkdir(parents=True)  # the lake's external tables: not dbt's
    (tables / "marts.db" / "_temporary").mkdir()  # a folder without Parquet: nothing to read
    return Warehouse(database, "spark")


def test_spark_tables_are_found_by_schema_and_name(spark_warehouse):
    found = spark_tables(spark_warehouse.spark_warehouse_dir)
    assert {schema: sorted(tables) for schema, tables in found.items()} == {
        "config": ["identity_link_rules"], "marts": ["customers"]}


@pytest.mark.parametrize("read_only", [True, False])
def test_a_connection_reads_dbt_tables_and_raw_by_their_usual_names(spark_warehouse, read_only):
    with spark_warehouse.connect(read_only=read_only) as con:
        assert con.execute("select count(*) from marts.customers").fetchone() == (2,)
        assert con.execute("select rule from config.identity_link_rules").fetchall() == [("phone",)]
        assert con.execute("select files from raw.ingest_summary").fetchone() == (1,)
        if not read_only:  # the ingest writes raw through the same connection
            con.execute("insert into raw.app__orders values ('A2')")
    with duckdb.connect(str(spark_warehouse.database), read_only=True) as con:
        assert con.execute("select count(*) from raw.app__orders").fetchone() == (1 if read_only else 2,)


def test_attached_in_another_connection_as_one_catalog(spark_warehouse):
    with duckdb.connect() as con:
        spark_warehouse.attach(con, "wh")
        assert con.execute("select count(*) from wh.marts.customers").fetchone() == (2,)
        assert con.execute("select files from wh.raw.ingest_summary").fetchone() == (1,)
        spark_warehouse.detach(con, "wh")
        assert con.execute("select count(*) from duckdb_databases() where database_name like 'wh%'").fetchone() == (0,)


def test_a_stale_duckdb_build_beside_spark_tables_is_an_error_not_a_silent_mix(spark_warehouse):
    with duckdb.connect(str(spark_warehouse.database)) as con:
        con.execute("create schema marts; create table marts.customers as select 'OLD' as customer_id")
    with spark_warehouse.connect(read_only=True) as con, pytest.raises(duckdb.BinderException, match="Ambiguous"):
        con.execute("select * from marts.customers").fetchall()


def test_dbt_reads_the_lake_on_spark_and_nothing_else_on_duckdb(spark_warehouse):
    assert "C360_LAKE_DIR" not in Warehouse(spark_warehouse.database).dbt_environment()
    env = spark_warehouse.dbt_environment()
    assert env["C360_SPARK_DIR"] == str(spark_warehouse.spark_dir) and env["C360_WAREHOUSE"] == str(spark_warehouse.database)
    assert Warehouse(spark_warehouse.database).prepare_dbt_sources() == []
    exported = spark_warehouse.prepare_dbt_sources()
    assert [(t.name, t.rows) for t in exported] == [("app__orders", 1)]
    assert exported[0].folder == spark_warehouse.lake_dir / "app__orders" and any(exported[0].folder.glob("*.parquet"))


def test_an_unknown_engine_is_refused(tmp_path):
    with pytest.raises(ValueError, match="expected one of duckdb, spark"):
        Warehouse(tmp_path / "warehouse.duckdb", "postgres")


def test_run_on_spark_without_the_spark_extra_says_what_to_install(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("C360_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("C360_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("C360_ENGINE", "duckdb")  # restored after the test: --engine sets it for the process
    monkeypatch.setattr(cli, "_has_module", lambda name: False)
    assert cli.main(["run", "--engine", "spark"]) == 2
    assert "pip install -e '.[spark]'" in capsys.readouterr().err


def test_the_dagster_resource_takes_its_engine_from_the_launchpad_or_the_environment(monkeypatch, tmp_path):
    from orchestration.resources import WarehouseResource

    monkeypatch.setenv("C360_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("C360_ENGINE", "spark")
    assert WarehouseResource().warehouse == Warehouse(tmp_path / "warehouse.duckdb", "spark", lake=tmp_path / "lake")
    assert WarehouseResource(engine="duckdb").warehouse.engine == "duckdb"
    monkeypatch.delenv("C360_ENGINE")
    assert WarehouseResource().warehouse.engine == "duckdb"
    assert WarehouseResource(path=str(tmp_path / "elsewhere" / "w.duckdb")).warehouse.lake_dir == tmp_path / "elsewhere" / "lake"


def test_a_cluster_reads_the_lake_at_its_own_uri_and_its_warehouse_is_read_where_it_is_mounted(monkeypatch, tmp_path):
    from orchestration.resources import WarehouseResource

    monkeypatch.setenv("C360_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("C360_ENGINE", "spark")
    monkeypatch.setenv("C360_SPARK_METHOD", "thrift")
    monkeypatch.setenv("C360_LAKE_DIR", str(tmp_path / "mnt" / "lake"))
    monkeypatch.setenv("C360_SPARK_LAKE_URI", "s3a://merchant-bucket/c360/lake")
    monkeypatch.setenv("C360_SPARK_WAREHOUSE_DIR", str(tmp_path / "mnt" / "warehouse"))
    warehouse = WarehouseResource().warehouse
    env = warehouse.dbt_environment()
    assert env["C360_LAKE_DIR"] == str(tmp_path / "mnt" / "lake")
    assert env["C360_SPARK_LAKE_URI"] == "s3a://merchant-bucket/c360/lake"
    assert warehouse.spark_warehouse_dir == tmp_path / "mnt" / "warehouse"
    (tmp_path / "mnt" / "warehouse" / "marts.db" / "customers" / "_temporary").mkdir(parents=True)
    assert warehouse.clear_abandoned_spark_writes() == []  # the cluster's warehouse is the cluster's to tidy
    monkeypatch.delenv("C360_SPARK_LAKE_URI")
    assert WarehouseResource().warehouse.dbt_environment()["C360_SPARK_LAKE_URI"] == str(tmp_path / "mnt" / "lake")


@pytest.mark.parametrize(("method", "missing", "needed"), [
    ("session", {"pyspark"}, "pyspark"), ("thrift", {"pyhive"}, "pyhive"), ("http", {"pyhive"}, "pyhive")])
def test_each_spark_method_asks_for_what_it_needs(monkeypatch, tmp_path, capsys, method, missing, needed):
    monkeypatch.setenv("C360_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("C360_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("C360_ENGINE", "duckdb")
    monkeypatch.setenv("C360_SPARK_METHOD", method)
    monkeypatch.setattr(cli, "_has_module", lambda name: name not in missing)
    assert cli.main(["run", "--engine", "spark"]) == 2
    assert f"the spark engine needs {needed}" in capsys.readouterr().err


def test_a_cluster_needs_no_java_here(monkeypatch):
    monkeypatch.setenv("C360_ENGINE", "spark")
    monkeypatch.setenv("C360_SPARK_METHOD", "thrift")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(cli, "_has_module", lambda name: True)
    monkeypatch.setattr(cli.shutil, "which", lambda name: None)
    cli._choose_engine(None)  # no RefusedToRun
    monkeypatch.setenv("C360_SPARK_METHOD", "session")
    with pytest.raises(cli.RefusedToRun, match="Java 17"):
        cli._choose_engine(None)
