"""Every kind of bad input at once, beside good files: each is rejected with a reason naming the file and
row, everything else loads, and the counts reconcile."""

from __future__ import annotations

import gzip

import duckdb
import pytest
from exports import USER_HEADER, user_row, write_csv

from orchestration.ingest.pipeline import ingest_landing, reject_misfit_files

USERS = "miniprogram/users"

pytestmark = pytest.mark.long  # two minutes: make test-long (CI keeps test_ingest_faults and tests/faults)


def test_bad_files_and_rows_are_rejected_and_everything_else_loads(tmp_path):
    landing = tmp_path / "landing"
    users = landing / "miniprogram" / "users"
    write_csv(users / "2026-10-01.csv", USER_HEADER, [user_row("oMpGood1"), user_row("oMpGood2")])
    write_csv(users / "2026-10-02.csv", USER_HEADER, [user_row("oMpGood3"), user_row("oMpBadTime", register_time="2026-02-30 10:00")])
    (users / "2026-10-03_empty.csv").write_bytes(b"")
    write_csv(users / "2026-10-03_header_only.csv", USER_HEADER, [])
    (users / "2026-10-04_garbage.csv").write_bytes(bytes(range(256)) * 40)
    (users / "2026-10-05_truncated.csv.gz").write_bytes(gzip.compress(",".join(USER_HEADER).encode() * 200)[:50])
    (users / "2026-10-06_corrupt.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    (users / "2026-10-07_utf16.csv").write_bytes(",".join(USER_HEADER).encode("utf-16"))
    write_csv(users / "2026-10-08_long_line.csv", USER_HEADER, [user_row("oMpLong", nickname="长" * 3_500_000)])
    (users / "2026-10-09_dup_header.csv").write_text("openid,openid,register_time,update_time\na,b,2026-10-01,2026-10-01\n")
    write_csv(users / "2026-13-45.csv", USER_HEADER, [user_row("oMpBadDate")])
    write_csv(landing / "douyin" / "orders" / "2026-10-01.csv", ["order_id"], [["D1"]])
    write_csv(users / "2026-10-10 it's \"quoted\" 导出.csv", USER_HEADER, [user_row("oMpQuoted")])

    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        ingest_landing(con, landing)
        reject_misfit_files(con, landing, None, None)
        rejects = {(f, r): reason for f, r, reason in con.execute("select source_file, row_number, reason from raw._rejects").fetchall()}
        loaded = sorted(r[0] for r in con.execute("select openid from raw.miniprogram__users").fetchall())
        files = con.execute("select count(*) from raw._files").fetchone()[0]
        unreconciled = con.execute("select count(*) from raw._files where status = 'loaded' and rows_read <> rows_loaded + rows_rejected").fetchone()[0]

    assert loaded == ["oMpGood1", "oMpGood2", "oMpGood3", "oMpLong", "oMpQuoted"]
    assert rejects == {
        (f"{USERS}/2026-10-02.csv", 2): "unparseable_timestamp",
        (f"{USERS}/2026-10-03_empty.csv", 0): "empty_file",
        (f"{USERS}/2026-10-04_garbage.csv", 0): "binary_file",
        (f"{USERS}/2026-10-05_truncated.csv.gz", 0): "corrupt_gzip",
        (f"{USERS}/2026-10-06_corrupt.xlsx", 0): "corrupt_xlsx",
        (f"{USERS}/2026-10-07_utf16.csv", 0): "unsupported_encoding",
        (f"{USERS}/2026-10-09_dup_header.csv", 0): "duplicate_column",
        (f"{USERS}/2026-13-45.csv", 0): "invalid_file_date",
        ("douyin/orders/2026-10-01.csv", 0): "unknown_entity",
    }
    assert files == 13  # every file on disk is accounted for, the header-only one as loaded with 0 rows
    assert unreconciled == 0
