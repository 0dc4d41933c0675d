"""The raw tables as Parquet for Spark (orchestration/lib/lake.py): every raw table, every value, swapped in whole."""

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
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from raw.app__orders where order_id = 'A1'")
    export(warehouse, lake)
    assert read(lake / "app__orders", "select order_id from t") == [("A'2",)]
    assert sorted(p.name for p in lake.iterdir()) == ["_identity_overrides", "app__orders", "ingest_summary"]
    for path in [lake, *lake.rglob("*")]:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path
