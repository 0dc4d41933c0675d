"""The local Spark warehouse's folders (orchestration/lib/spark_folders.py): which files are a table now,
and what a killed build left behind. The folders are laid out as Spark and
dbt_project/macros/spark/incremental.sql write them; the Spark builds themselves are in make test-spark."""

import json

import duckdb
import pytest

from orchestration.lib.spark_folders import clear_abandoned_writes, spark_tables
from orchestration.lib.warehouse import Warehouse


def _table(folder, rows, complete=True):
    folder.mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute(f"copy (select * from range({rows}) as t(n)) to '{folder / 'part-00000.snappy.parquet'}' (format parquet)")
    if complete:
        (folder / "_SUCCESS").touch()


def _name_current(versions_dir, version):
    current = versions_dir / "_current"
    current.mkdir(parents=True, exist_ok=True)
    (current / "part-00000-x.json").write_text(json.dumps({"version": version}) + "\n")
    (current / "_SUCCESS").touch()


@pytest.fixture
def intermediate(tmp_path):
    return tmp_path / "spark" / "warehouse" / "intermediate.db"


def _rows(folder):
    with duckdb.connect() as con:
        return con.execute(f"select count(*) from read_parquet('{folder}/*.parquet')").fetchone()[0]


def test_a_stateful_table_is_the_version_current_names_not_its_first_folder(intermediate):
    _table(intermediate / "registry", 1)
    _table(intermediate / "registry__versions" / "20261201T010000-aaaa", 2)
    _table(intermediate / "registry__versions" / "20261202T010000-bbbb", 3)
    _name_current(intermediate / "registry__versions", "20261201T010000-aaaa")
    tables = spark_tables(intermediate.parent)["intermediate"]
    assert list(tables) == ["registry"]
    assert _rows(tables["registry"]) == 2  # a newer complete version the pointer does not name yet: not read


def test_without_a_named_version_the_newest_complete_one_is_read(intermediate):
    _table(intermediate / "registry", 1)
    _table(intermediate / "registry__versions" / "20261201T010000-aaaa", 2)
    _table(intermediate / "registry__versions" / "20261202T010000-bbbb", 3, complete=False)
    assert _rows(spark_tables(intermediate.parent)["intermediate"]["registry"]) == 2


def test_before_its_first_switch_a_stateful_table_is_its_first_folder(intermediate):
    _table(intermediate / "registry", 1)
    (intermediate / "registry__versions" / "20261201T010000-aaaa").mkdir(parents=True)  # killed while writing
    assert _rows(spark_tables(intermediate.parent)["intermediate"]["registry"]) == 1


def test_a_killed_build_leaves_nothing_the_next_build_trips_on(intermediate):
    _table(intermediate / "customers", 1)
    (intermediate / "customer_profiles" / "_temporary" / "0").mkdir(parents=True)  # killed inside create table
    (intermediate / "_temporary").mkdir()
    _table(intermediate / "registry", 1)
    versions = intermediate / "registry__versions"
    for name in ("20261201T010000-aaaa", "20261202T010000-bbbb", "20261203T010000-cccc"):
        _table(versions / name, 2)
    _table(versions / "20261204T010000-dddd", 2, complete=False)  # killed before the switch
    _name_current(versions, "20261203T010000-cccc")

    removed = clear_abandoned_writes(intermediate.parent)

    assert sorted(p.name for p in removed) == [
        "20261201T010000-aaaa", "20261204T010000-dddd", "_temporary", "customer_profiles", "registry"]
    assert sorted(p.name for p in intermediate.iterdir()) == ["customers", "registry__versions"]
    assert sorted(p.name for p in versions.iterdir()) == ["20261202T010000-bbbb", "20261203T010000-cccc", "_current"]
    assert clear_abandoned_writes(intermediate.parent) == []


def test_a_complete_version_newer_than_the_named_one_is_kept(intermediate):
    """Killed between the metastore's switch and writing _current: Spark may read that version."""
    versions = intermediate / "registry__versions"
    _table(versions / "20261201T010000-aaaa", 2)
    _table(versions / "20261202T010000-bbbb", 2)
    _name_current(versions, "20261201T010000-aaaa")
    assert clear_abandoned_writes(intermediate.parent) == []


def test_versions_without_a_named_one_are_all_kept(intermediate):
    versions = intermediate / "registry__versions"
    _table(intermediate / "registry", 1)
    _table(versions / "20261201T010000-aaaa", 2)
    (versions / "_current").mkdir()  # killed while Spark rewrote it
    assert clear_abandoned_writes(intermediate.parent) == []


def test_only_the_local_session_clears_a_warehouse(tmp_path, intermediate):
    (intermediate / "customer_profiles" / "_temporary").mkdir(parents=True)
    database = tmp_path / "warehouse.duckdb"
    assert Warehouse(database, "spark", spark_method="thrift").clear_abandoned_spark_writes() == []
    assert Warehouse(database, "duckdb").clear_abandoned_spark_writes() == []
    assert [p.name for p in Warehouse(database, "spark").clear_abandoned_spark_writes()] == ["customer_profiles"]
