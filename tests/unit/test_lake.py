"""The raw tables as Parquet for Spark (orchestration/lib/lake.py): every raw table, every value, swapped in whole;
export rows a folder per day, of which a night rewrites the days that changed."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from decimal import Decimal

import duckdb
import pytest

from orchestration.lib.lake import export_raw_to_lake


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("""
            set TimeZone = 'UTC';
            create schema raw;
            create table raw.app__orders as select * from (values
                ('A1', timestamptz '2026-10-01 10:00:00+08', 12.34::decimal(18, 2), ['d1', 'd2'], true, date '2026-10-01'),
                ('A''2', null, null, [], null, null)
            ) t(order_id, created_at, paid_amount_yuan, device_ids, is_member, _file_date);
            create table raw._identity_overrides (file varchar, line bigint);
            create table raw.ingest_summary as select 3::hugeint as rows_read;
            create view raw.a_view as select 1 as x;
        """)
    return path


def read(folder, sql="select * from t order by 1"):
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"create view t as select * from read_parquet('{folder}/*.parquet')")
        return con.execute(sql).fetchall()


def change(database, *statements):
    with duckdb.connect(str(database)) as con:
        for statement in statements:
            con.execute(statement)


def export(warehouse, lake):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return export_raw_to_lake(con, lake)


def test_every_raw_table_and_value_is_written(warehouse, tmp_path):
    exported = {t.name: t for t in export(warehouse, tmp_path / "lake")}
    assert set(exported) == {"app__orders", "_identity_overrides", "ingest_summary"}  # tables, not views
    assert read(exported["app__orders"].folder) == [
        ("A'2", None, None, [], None, None),
        ("A1", datetime(2026, 10, 1, 2, 0, tzinfo=UTC), Decimal("12.34"), ["d1", "d2"], True,
         datetime(2026, 10, 1).date()),
    ]
    assert exported["_identity_overrides"].rows == 0 and read(exported["_identity_overrides"].folder) == []
    # Spark reads no 128-bit integer from Parquet: a decimal keeps the value
    assert read(exported["ingest_summary"].folder, "select rows_read, typeof(rows_read) from t") == [(Decimal(3), "DECIMAL(38,0)")]


def test_a_new_export_replaces_the_table_whole_and_owner_only(warehouse, tmp_path):
    lake = tmp_path / "lake"
    export(warehouse, lake)
    change(warehouse, "delete from raw.app__orders where order_id = 'A1'")
    export(warehouse, lake)
    assert read(lake / "app__orders", "select order_id from t") == [("A'2",)]
    assert sorted(p.name for p in lake.iterdir()) == ["_identity_overrides", "app__orders", "ingest_summary"]
    for path in [lake, *lake.rglob("*")]:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


@pytest.fixture
def dated(tmp_path):
    """Export rows of three days, as the ingest writes them (every row carries its file's date)."""
    path = tmp_path / "dated.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("""
            create schema raw;
            create table raw.app__users as
            select 'U' || i as user_id, 'phone ' || i as phone, date '2026-10-01' + (i % 3)::int as _file_date
            from range(9) as r(i)
        """)
    return path


def _days(folder):
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if p.name.startswith("_file_date=")}


def _read_days(folder):
    with duckdb.connect() as con:
        return con.execute(f"select _file_date::varchar, count(*) from read_parquet('{folder}/*/*.parquet', "
                           "hive_partitioning = true) group by 1 order by 1").fetchall()


def test_export_rows_are_a_folder_per_day_and_a_night_rewrites_only_the_days_that_changed(dated, tmp_path):
    lake = tmp_path / "lake"
    (first,) = export(dated, lake)
    assert first.days_written == 3 and first.rows == 9
    folder = lake / "app__users"
    assert _read_days(folder) == [("2026-10-01", 3), ("2026-10-02", 3), ("2026-10-03", 3)]
    before = _days(folder)

    change(dated,
           "insert into raw.app__users values ('U9', 'phone 9', date '2026-10-04')",  # a new day
           "update raw.app__users set phone = null where user_id = 'U1'")  # an erasure on 2026-10-02
    (second,) = export(dated, lake)
    after = _days(folder)

    assert second.days_written == 2
    assert _read_days(folder) == [("2026-10-01", 3), ("2026-10-02", 3), ("2026-10-03", 3), ("2026-10-04", 1)]
    assert after["_file_date=2026-10-01"] == before["_file_date=2026-10-01"]  # untouched
    assert after["_file_date=2026-10-02"] != before["_file_date=2026-10-02"]
    with duckdb.connect() as con:
        assert con.execute(f"select phone from read_parquet('{folder}/_file_date=2026-10-02/*.parquet') "
                           "where user_id = 'U1'").fetchall() == [(None,)]
    assert export(dated, lake)[0].days_written == 0


def test_a_day_whose_rows_are_all_gone_leaves_the_lake(dated, tmp_path):
    lake = tmp_path / "lake"
    export(dated, lake)
    change(dated, "delete from raw.app__users where _file_date = date '2026-10-03'")
    export(dated, lake)
    assert sorted(_days(lake / "app__users")) == ["_file_date=2026-10-01", "_file_date=2026-10-02"]


def test_a_changed_schema_rewrites_every_day(dated, tmp_path):
    lake = tmp_path / "lake"
    export(dated, lake)
    change(dated, "alter table raw.app__users add column email varchar")
    (again,) = export(dated, lake)
    assert again.days_written == 3
    with duckdb.connect() as con:
        columns = con.execute(f"describe select * from read_parquet('{lake}/app__users/*/*.parquet')").fetchall()
    assert [c[0] for c in columns] == ["user_id", "phone", "email", "_file_date"]


def test_a_night_killed_half_way_rewrites_its_days_again(dated, tmp_path, monkeypatch):
    from orchestration.lib import lake as lake_module

    lake = tmp_path / "lake"
    export(dated, lake)
    change(dated, "update raw.app__users set phone = 'changed'")
    real_swap, swaps = lake_module._swap_in, []

    def dies_after_one_day(new, current):
        if swaps:
            raise KeyboardInterrupt
        swaps.append(current.name)
        real_swap(new, current)

    monkeypatch.setattr(lake_module, "_swap_in", dies_after_one_day)
    with pytest.raises(KeyboardInterrupt):
        export(dated, lake)
    monkeypatch.setattr(lake_module, "_swap_in", real_swap)
    assert not [p for p in (lake / "app__users").iterdir() if ".new-" in p.name]  # the unfinished day cleared
    assert export(dated, lake)[0].days_written == 3  # the fingerprints are still the last complete export's
    with duckdb.connect() as con:
        assert con.execute(f"select distinct phone from read_parquet('{lake}/app__users/*/*.parquet')").fetchall() == [("changed",)]


def test_a_table_with_undated_rows_is_written_whole(warehouse, tmp_path):
    (orders,) = [t for t in export(warehouse, tmp_path / "lake") if t.name == "app__orders"]
    assert orders.days_written is None and any(orders.folder.glob("*.parquet"))
