"""Ingestion into the warehouse: nothing lost, idempotent reloads, replaced files, whole-file rejects."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl
import pytest
from exports import USER_HEADER, user_row, write_csv

from orchestration.ingest.pipeline import ingest_landing, reject_misfit_files
from orchestration.ingest.schema import entities_by_name

USERS = entities_by_name()["miniprogram/users"]


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


def landing_with_users(root, day="2026-10-01", name=None, rows=None):
    return write_csv(root / "miniprogram" / "users" / (name or f"{day}.csv"), USER_HEADER, rows or [user_row("oMp1"), user_row("oMp2")])


def table(con, name):
    return con.sql(f"select * from {name}").pl()


def test_rows_land_with_lineage_and_counts_reconcile(tmp_path, con):
    landing = tmp_path / "landing"
    landing_with_users(landing, rows=[user_row("oMp1"), user_row("oMp2", register_time="bad"), user_row("oMp3")])
    outcomes = ingest_landing(con, landing, [USERS])["miniprogram/users"]
    (outcome,) = outcomes
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected) == (3, 2, 1)
    rows = table(con, "raw.miniprogram__users").sort("_row_number")
    assert rows["openid"].to_list() == ["oMp1", "oMp3"]
    assert rows["_row_number"].to_list() == [1, 3]
    assert set(rows["_source_file"]) == {"miniprogram/users/2026-10-01.csv"}
    assert set(rows["_file_date"]) == {date(2026, 10, 1)}
    assert rows["_file_hash"].null_count() == 0 and rows["_loaded_at"].null_count() == 0
    rejects = table(con, "raw._rejects")
    assert rejects.select("source_file", "row_number", "reason", "column", "record_key").rows() == [
        ("miniprogram/users/2026-10-01.csv", 2, "unparseable_timestamp", "register_time", "oMp2")
    ]
    files = table(con, "raw._files")
    assert files.select("rows_read", "rows_loaded", "rows_rejected").row(0) == (3, 2, 1)


def test_the_same_file_again_changes_nothing(tmp_path, con):
    landing = tmp_path / "landing"
    landing_with_users(landing)
    ingest_landing(con, landing, [USERS])
    before = table(con, "raw.miniprogram__users")
    again = ingest_landing(con, landing, [USERS])["miniprogram/users"]
    assert [o.status for o in again] == ["unchanged"]
    after = table(con, "raw.miniprogram__users")
    assert after.equals(before)


def test_a_replaced_file_replaces_its_rows_and_rejects(tmp_path, con):
    landing = tmp_path / "landing"
    path = landing_with_users(landing, rows=[user_row("oMp1"), user_row("oMp2", update_time="nope")])
    ingest_landing(con, landing, [USERS])
    assert con.execute("select count(*) from raw._rejects").fetchone()[0] == 1
    write_csv(path, USER_HEADER, [user_row("oMp7"), user_row("oMp8"), user_row("oMp9")])
    (outcome,) = ingest_landing(con, landing, [USERS])["miniprogram/users"]
    assert outcome.status == "loaded"
    assert sorted(table(con, "raw.miniprogram__users")["openid"]) == ["oMp7", "oMp8", "oMp9"]
    assert con.execute("select count(*) from raw._rejects").fetchone()[0] == 0


def test_a_file_missing_a_required_column_is_rejected_and_the_others_load(tmp_path, con):
    landing = tmp_path / "landing"
    landing_with_users(landing, day="2026-10-01")
    write_csv(landing / "miniprogram" / "users" / "2026-10-02_manual.csv", ["openid", "register_time"], [["oMp5", "2026-10-01 10:00"]])
    outcomes = {o.file.relative: o for o in ingest_landing(con, landing, [USERS])["miniprogram/users"]}
    assert outcomes["miniprogram/users/2026-10-02_manual.csv"].status == "rejected"
    assert "update_time" in outcomes["miniprogram/users/2026-10-02_manual.csv"].message
    assert outcomes["miniprogram/users/2026-10-01.csv"].rows_loaded == 2
    assert con.execute("select row_number, reason, \"column\" from raw._rejects").fetchall() == [(0, "required_column_missing", "update_time")]


def test_only_files_in_the_date_window_are_loaded(tmp_path, con):
    landing = tmp_path / "landing"
    for day in ("2026-10-01", "2026-10-02", "2026-10-03"):
        landing_with_users(landing, day=day, rows=[user_row(f"oMp{day[-1]}")])
    ingest_landing(con, landing, [USERS], first=date(2026, 10, 2), last=date(2026, 10, 2))
    assert table(con, "raw.miniprogram__users")["openid"].to_list() == ["oMp2"]


@pytest.mark.parametrize("name", ["2026-10-01 export (1).csv", "2026-10-01_it's \"quoted\".csv", "2026-10-01_导出_会员.csv", "2026-10-01_x'; drop table raw._files; --.csv"])
def test_file_names_with_spaces_quotes_and_chinese_are_data_not_sql(tmp_path, con, name):
    landing = tmp_path / "landing"
    landing_with_users(landing, name=name)
    (outcome,) = ingest_landing(con, landing, [USERS])["miniprogram/users"]
    assert outcome.status == "loaded" and outcome.rows_loaded == 2
    assert con.execute("select distinct _source_file from raw.miniprogram__users").fetchall() == [(f"miniprogram/users/{name}",)]
    assert con.execute("select count(*) from raw._files").fetchone()[0] == 1


def test_files_no_asset_can_load_are_recorded_as_rejects(tmp_path, con):
    landing = tmp_path / "landing"
    landing_with_users(landing)  # a good one, not a misfit
    write_csv(landing / "douyin" / "orders" / "2026-10-01.csv", ["a"], [["1"]])
    write_csv(landing / "miniprogram" / "users" / "not-a-date.csv", USER_HEADER, [user_row("oMp1")])
    write_csv(landing / "miniprogram" / "users" / "2026-10-01.txt", USER_HEADER, [user_row("oMp1")])
    write_csv(landing / "miniprogram" / "users" / "2026-10-01" / "nested.csv", USER_HEADER, [user_row("oMp1")])
    write_csv(landing / "miniprogram" / "users" / "2019-01-01.csv", USER_HEADER, [user_row("oMp1")])
    misfits = reject_misfit_files(con, landing, date(2025, 1, 1), date(2026, 12, 31))
    reasons = {o.file.relative: r for o, r in zip(misfits, con.execute("select reason from raw._rejects order by source_file").fetchall())}
    got = dict(con.execute("select source_file, reason from raw._rejects").fetchall())
    assert got == {
        "douyin/orders/2026-10-01.csv": "unknown_entity",
        "miniprogram/users/not-a-date.csv": "invalid_file_date",
        "miniprogram/users/2026-10-01.txt": "unsupported_format",
        "miniprogram/users/2026-10-01/nested.csv": "unexpected_location",
        "miniprogram/users/2019-01-01.csv": "file_date_out_of_range",
    }
    assert len(reasons) == 5
    assert reject_misfit_files(con, landing, date(2025, 1, 1), date(2026, 12, 31)) == []  # recorded once


def test_every_raw_table_has_the_contract_columns_and_lineage(tmp_path, con):
    ingest_landing(con, tmp_path / "empty")
    for entity in entities_by_name().values():
        columns = [r[0] for r in con.execute(f"describe raw.{entity.table}").fetchall()]
        assert columns == [*entity.column_names, "_source_file", "_file_date", "_row_number", "_file_hash", "_loaded_at"]


def test_money_and_timestamps_keep_their_exact_types(tmp_path, con):
    header = ["order_id", "user_id", "create_time", "update_time", "status", "total_yuan"]
    write_csv(tmp_path / "landing" / "app" / "orders" / "2026-10-01.csv", header, [["A1", "U1", "1791165600", "2026-10-05T10:00:00+08:00", "paid", "¥1,299.99"]])
    ingest_landing(con, tmp_path / "landing", [entities_by_name()["app/orders"]])
    total, created = con.execute("select total_yuan, create_time from raw.app__orders").fetchone()
    assert str(total) == "1299.99"
    assert con.execute("select typeof(total_yuan), typeof(create_time) from raw.app__orders").fetchone() == ("DECIMAL(18,2)", "TIMESTAMP WITH TIME ZONE")
    assert created.isoformat().startswith("2026-10-05T")
    assert pl.Series([created]).dt.epoch("s")[0] == 1791165600


def test_files_read_a_group_at_a_time_load_the_same_rows_and_rejects(tmp_path, monkeypatch):
    """A large entity is read a group of files at a time (bounded memory); the result must not depend on it."""
    from orchestration.ingest import load

    landing = tmp_path / "landing"
    for day in range(1, 6):
        landing_with_users(landing, day=f"2026-10-0{day}", rows=[user_row(f"oMp{day}a"), user_row(f"oMp{day}b", register_time="bad")])
    (landing / "miniprogram" / "users" / "2026-10-06.csv").write_bytes(b"\x00\x01binary\x00" * 50)

    def ingest(group_bytes):
        monkeypatch.setattr(load, "READ_GROUP_BYTES", group_bytes)
        with duckdb.connect(str(tmp_path / f"w{group_bytes}.duckdb")) as connection:
            ingest_landing(connection, landing, [USERS])
            return (
                connection.sql("select openid, _source_file, _row_number from raw.miniprogram__users order by all").fetchall(),
                connection.sql("select source_file, row_number, reason from raw._rejects order by all").fetchall(),
            )

    one_file_per_group, all_in_one_group = ingest(1), ingest(1024**3)
    assert one_file_per_group == all_in_one_group
    rows, rejects = one_file_per_group
    assert len(rows) == 5 and len(rejects) == 6 and ("miniprogram/users/2026-10-06.csv", 0, "binary_file") in rejects
