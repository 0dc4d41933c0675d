"""Never lose: a bad file is that file's problem, a bad value that row's problem.

Each case puts one bad file, entry or value beside good ones and asserts what a user expects: the good
files load in full, the bad one is rejected whole (row 0 in ``raw._rejects``, status ``rejected`` in
``raw._files``) or the bad row alone, naming file, row and reason, and every file's rows read equal rows
loaded plus rows rejected. Run through the ingest functions directly (no dbt); one nightly run at the end
shows a night with all of them present succeeding and publishing.
"""

from __future__ import annotations

import errno
import gzip
import json
import os
import signal
import socket
import stat
import tracemalloc
import zipfile
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from exports import MEMBER_HEADER, USER_HEADER, csv_text, member_row, user_row, write_csv, write_jsonl, write_raw_xlsx

import orchestration.ingest.landing as landing_module
import orchestration.ingest.load as load_module
import orchestration.ingest.reader as reader_module
from orchestration.ingest.landing import scan
from orchestration.ingest.pipeline import ingest_entity, ingest_landing, reject_misfit_files
from orchestration.ingest.schema import entities_by_name

ENTITIES = entities_by_name()
USERS = "miniprogram/users"
MEMBERS = "crm/members"
RUNNING_AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture
def landing(tmp_path):
    return tmp_path / "landing"


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


@contextmanager
def watchdog(seconds: int = 60):
    """Fail instead of hanging when a read blocks (a pipe opened for reading waits for a writer)."""
    def hung(*_):
        raise TimeoutError(f"ingest blocked for {seconds}s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def users_file(landing: Path, name: str, ids: list[str]) -> Path:
    return write_csv(landing / "miniprogram" / "users" / name, USER_HEADER, [user_row(i) for i in ids])


def members_file(landing: Path, name: str, rows: list[list[str]]) -> Path:
    return write_csv(landing / "crm" / "members" / name, MEMBER_HEADER, rows)


def ingest(con, landing: Path) -> None:
    with watchdog():
        ingest_landing(con, landing, [ENTITIES[USERS], ENTITIES[MEMBERS], ENTITIES["app/orders"]])
        reject_misfit_files(con, landing)


def rejects(con) -> dict[tuple[str, int], tuple[str, str | None]]:
    rows = con.execute('select source_file, row_number, reason, "column" from raw._rejects').fetchall()
    return {(f, r): (reason, column) for f, r, reason, column in rows}


def loaded(con, table: str, column: str) -> list[str]:
    return sorted(r[0] for r in con.execute(f"select {column} from raw.{table}").fetchall())


def files(con) -> dict[str, tuple[str, int, int, int]]:
    rows = con.execute("select source_file, status, rows_read, rows_loaded, rows_rejected from raw._files").fetchall()
    return {f: (status, read, ok, bad) for f, status, read, ok, bad in rows}


def assert_counts_reconcile(con) -> None:
    for name, (status, read, ok, bad) in files(con).items():
        assert status != "loaded" or read == ok + bad, name


def assert_rejected_whole(con, source_file: str, reason: str) -> None:
    assert rejects(con)[(source_file, 0)][0] == reason
    assert files(con)[source_file][0] == "rejected"
    assert con.execute("select count(*) from raw._rejects where source_file = ? and row_number > 0", [source_file]).fetchone()[0] == 0


# --- files: each rejected whole (or read correctly), the others loaded ---------------------------------


def test_csv_with_carriage_return_line_ends_is_read_like_any_other(con, landing):
    users_file(landing, "2026-10-01.csv", ["oMpGood1"])
    text = csv_text(USER_HEADER, [user_row("oMpCr1", nickname="两行\r地址"), user_row("oMpCr2"), user_row("oMpCr3", register_time="bad")], "\r")
    (landing / "miniprogram" / "users" / "2026-10-02_mac.csv").write_bytes(text.encode("gb18030"))
    ingest(con, landing)
    assert loaded(con, "miniprogram__users", "openid") == ["oMpCr1", "oMpCr2", "oMpGood1"]
    nickname = con.execute("select nickname from raw.miniprogram__users where openid = 'oMpCr1'").fetchone()[0]
    assert nickname == "两行\r地址"  # the quoted CR is a value, the unquoted ones end records
    assert rejects(con) == {(f"{USERS}/2026-10-02_mac.csv", 3): ("unparseable_timestamp", "register_time")}
    assert files(con)[f"{USERS}/2026-10-02_mac.csv"] == ("loaded", 3, 2, 1)


def test_a_gzip_bomb_is_rejected_whole_without_being_expanded(con, landing, monkeypatch):
    monkeypatch.setenv(reader_module.MAX_TEXT_BYTES_ENV, str(1_000_000))
    users = landing / "miniprogram" / "users"
    users_file(landing, "2026-10-01.csv", ["oMpGood1"])
    write_csv(users / "2026-10-02_small.csv.gz", USER_HEADER, [user_row("oMpGz1")])
    row = (",".join(user_row("oMpBomb")) + "\n").encode()
    bomb = gzip.compress(",".join(USER_HEADER).encode() + b"\n" + row * (200_000_000 // len(row)), compresslevel=9)
    (users / "2026-10-03_bomb.csv.gz").write_bytes(bomb)
    assert len(bomb) < 1_000_000  # small on disk, 200 MB expanded
    tracemalloc.start()
    try:
        ingest(con, landing)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50_000_000, f"{peak:,} bytes allocated: the bomb was expanded"
    assert_rejected_whole(con, f"{USERS}/2026-10-03_bomb.csv.gz", "file_too_large")
    message = con.execute("select message from raw._files where source_file like '%bomb%'").fetchone()[0]
    assert "1,000,000" in message and reader_module.MAX_TEXT_BYTES_ENV in message
    assert loaded(con, "miniprogram__users", "openid") == ["oMpGood1", "oMpGz1"]


def test_plain_files_and_workbooks_beyond_the_bound_are_rejected_whole(con, landing, monkeypatch):
    monkeypatch.setenv(reader_module.MAX_TEXT_BYTES_ENV, str(200_000))
    users_file(landing, "2026-10-01.csv", ["oMpGood1"])
    users_file(landing, "2026-10-02_huge.csv", [f"oMpHuge{i}" for i in range(4_000)])
    # a workbook whose sheet expands to 50 MB of white space between two cells
    path = write_raw_xlsx(landing / "miniprogram" / "users" / "2026-10-03_bomb.xlsx", USER_HEADER, [user_row("oMpX1")],
                          extra_xml=" " * 50_000_000)
    assert path.stat().st_size < 200_000
    ingest(con, landing)
    assert_rejected_whole(con, f"{USERS}/2026-10-02_huge.csv", "file_too_large")
    assert_rejected_whole(con, f"{USERS}/2026-10-03_bomb.xlsx", "file_too_large")
    assert loaded(con, "miniprogram__users", "openid") == ["oMpGood1"]


@pytest.mark.parametrize("claim", ["dimension", "cell"])
def test_an_xlsx_claiming_a_cell_at_XFD1048576_reads_only_its_real_cells(con, landing, claim):
    rows = [user_row("oMpX1"), user_row("oMpX2")]
    far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>stray</t></is></c></row>'
    write_raw_xlsx(landing / "miniprogram" / "users" / "2026-10-01.xlsx", USER_HEADER, rows, dimension="A1:XFD1048576",
                   extra_xml=far if claim == "cell" else "")
    users_file(landing, "2026-10-02.csv", ["oMpGood1"])
    tracemalloc.start()
    try:
        ingest(con, landing)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100_000_000
    assert loaded(con, "miniprogram__users", "openid") == ["oMpGood1", "oMpX1", "oMpX2"]
    if claim == "cell":  # the stray cell is a record beyond the header's columns, the next after the real rows
        assert rejects(con) == {(f"{USERS}/2026-10-01.xlsx", 3): ("wrong_field_count", None)}
        assert files(con)[f"{USERS}/2026-10-01.xlsx"] == ("loaded", 3, 2, 1)
    else:
        assert rejects(con) == {}


def _zip(parts: dict[str, str]) -> bytes:
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"c360-test-{os.getpid()}.zip"
    with zipfile.ZipFile(path, "w") as book:
        for name, text in parts.items():
            book.writestr(name, text)
    data = path.read_bytes()
    path.unlink()
    return data


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("2026-10-02_truncated.xlsx", "truncated-xlsx", "corrupt_xlsx"),
        ("2026-10-02_no_workbook.xlsx", _zip({"hello.txt": "a zip, not a workbook"}), "corrupt_xlsx"),
        ("2026-10-02_bad_xml.xlsx", _zip({"xl/workbook.xml": "<workbook><sheets>", "xl/worksheets/sheet1.xml": "<"}), "corrupt_xlsx"),
        ("2026-10-02_bad_shared_index.xlsx", "bad-shared-index", "corrupt_xlsx"),
        ("2026-10-02_truncated.csv.gz", gzip.compress(b"openid,register_time,update_time\n" * 500)[:40], "corrupt_gzip"),
        ("2026-10-02_not_gzip.csv.gz", b"openid,register_time,update_time\n", "corrupt_gzip"),
        ("2026-10-02_binary.csv.gz", gzip.compress(bytes(range(256)) * 50), "binary_file"),
    ],
)
def test_damaged_workbooks_and_streams_are_rejected_whole(con, landing, name, content, reason):
    path = landing / "miniprogram" / "users" / name
    if content == "truncated-xlsx":
        full = write_raw_xlsx(path, USER_HEADER, [user_row("oMpX1")]).read_bytes()
        path.write_bytes(full[: len(full) // 2])
    elif content == "bad-shared-index":
        write_raw_xlsx(path, USER_HEADER, [user_row("oMpX1")], extra_xml='<row r="9"><c r="A9" t="s"><v>99</v></c></row>')
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    users_file(landing, "2026-10-01.csv", ["oMpGood1"])
    users_file(landing, "2026-10-03.csv", ["oMpGood3"])
    ingest(con, landing)
    assert_rejected_whole(con, f"{USERS}/{name}", reason)
    assert loaded(con, "miniprogram__users", "openid") == ["oMpGood1", "oMpGood3"]


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (OSError(errno.EIO, "Input/output error"), "unreadable_file"),
        (MemoryError(), "out_of_memory"),
        (RuntimeError("a bug the file triggers"), "unreadable_file"),
        (pl.exceptions.ComputeError("polars gave up"), "unreadable_file"),
    ],
)
def test_any_failure_reading_one_file_rejects_that_file_only(con, landing, monkeypatch, error, reason):
    users_file(landing, "2026-10-01.csv", ["oMpGood1"])
    users_file(landing, "2026-10-02_failing.csv", ["oMpFail1"])
    users_file(landing, "2026-10-03.csv", ["oMpGood3"])
    read_csv = reader_module._read_csv

    def failing(data, encoding, entity):
        if b"oMpFail1" in data:
            raise error
        return read_csv(data, encoding, entity)

    monkeypatch.setattr(reader_module, "_read_csv", failing)
    ingest(con, landing)
    assert_rejected_whole(con, f"{USERS}/2026-10-02_failing.csv", reason)
    assert loaded(con, "miniprogram__users", "openid") == ["oMpGood1", "oMpGood3"]
    assert "a bug the file triggers" not in files(con)[f"{USERS}/2026-10-02_failing.csv"]  # no cell text in messages


def test_a_parser_failure_on_one_file_of_a_batch_rejects_that_file_only(con, landing, monkeypatch):
    for i, ids in enumerate([["oMpGood1"], ["oMpPoison"], ["oMpGood3", "oMpGood4"]], start=1):
        users_file(landing, f"2026-10-0{i}.csv", ids)
    parse_export = load_module.parse_export

    def fragile(cells, entity, keep=()):
        if "oMpPoison" in cells["openid"].to_list():
            raise pl.exceptions.ComputeError("cannot parse")
        return parse_export(cells, entity, keep)

    monkeypatch.setattr(load_module, "parse_export", fragile)
    ingest(con, landing)
    assert_rejected_whole(con, f"{USERS}/2026-10-02.csv", "unparseable_file")
    assert loaded(con, "miniprogram__users", "openid") == ["oMpGood1", "oMpGood3", "oMpGood4"]
    assert_counts_reconcile(con)


def test_a_file_that_vanishes_after_the_scan_is_rejected_and_the_others_load(con, landing):
    users_file(landing, "2026-10-01.csv", ["oMpGood1"])
    gone = users_file(landing, "2026-10-02.csv", ["oMpGone"])
    listed = scan(landing)
    gone.unlink()
    (outcome_1, outcome_2) = ingest_entity(con, ENTITIES[USERS], listed)
    assert (outcome_1.status, outcome_2.status) == ("loaded", "rejected")
    assert_rejected_whole(con, f"{USERS}/2026-10-02.csv", "unreadable_file")
    assert "No such file" in files_message(con, f"{USERS}/2026-10-02.csv")
    assert loaded(con, "miniprogram__users", "openid") == ["oMpGood1"]


def files_message(con, source_file: str) -> str:
    return con.execute("select message from raw._files where source_file = ?", [source_file]).fetchone()[0]


def deny_opening(monkeypatch, name: str) -> None:
    """What chmod 000 does to a reader that is not root (tests often run as root, which reads anyway)."""
    real_open = os.open

    def guarded(path, flags, *args, **kwargs):
        if os.fspath(path).endswith(name):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(landing_module.os, "open", guarded)


def test_an_unreadable_file_is_rejected_once_and_loads_when_readable_again(con, landing, monkeypatch):
    users_file(landing, "2026-10-01.csv", ["oMpGood1"])
    users_file(landing, "2026-10-02_locked.csv", ["oMpLocked"])
    with monkeypatch.context() as patch:
        deny_opening(patch, "2026-10-02_locked.csv")
        ingest(con, landing)
        assert_rejected_whole(con, f"{USERS}/2026-10-02_locked.csv", "unreadable_file")
        assert "Permission denied" in files_message(con, f"{USERS}/2026-10-02_locked.csv")
        ingest(con, landing)  # the same state again: not recorded twice
        assert con.execute("select count(*) from raw._rejects").fetchone()[0] == 1
    assert loaded(con, "miniprogram__users", "openid") == ["oMpGood1"]
    ingest(con, landing)
    assert loaded(con, "miniprogram__users", "openid") == ["oMpGood1", "oMpLocked"]
    assert rejects(con) == {}


def test_a_file_loaded_before_that_becomes_unreadable_keeps_its_rows(con, landing, monkeypatch):
    users_file(landing, "2026-10-01.csv", ["oMpGood1", "oMpGood2"])
    ingest(con, landing)
    deny_opening(monkeypatch, "2026-10-01.csv")
    (outcome,) = ingest_landing(con, landing, [ENTITIES[USERS]])[USERS]
    assert outcome.status == "unchanged" and "cannot be read" in outcome.message
    assert loaded(con, "miniprogram__users", "openid") == ["oMpGood1", "oMpGood2"]


@pytest.mark.skipif(RUNNING_AS_ROOT, reason="root reads a chmod 000 file anyway; the denied open is simulated in the tests above")
def test_a_chmod_000_file_is_rejected_and_the_others_load(con, landing):
    users_file(landing, "2026-10-01.csv", ["oMpGood1"])
    locked = users_file(landing, "2026-10-02.csv", ["oMpLocked"])
    locked.chmod(0)
    try:
        ingest(con, landing)
    finally:
        locked.chmod(0o600)
    assert_rejected_whole(con, f"{USERS}/2026-10-02.csv", "unreadable_file")
    assert loaded(con, "miniprogram__users", "openid") == ["oMpGood1"]


# --- entries that are not regular files: listed with a reason, never read, never blocking ---------------


def test_links_pipes_sockets_devices_and_folders_named_like_files_are_listed_and_never_block(con, landing, tmp_path, monkeypatch):
    users = landing / "miniprogram" / "users"
    users_file(landing, "2026-10-01.csv", ["oMpGood1"])
    outside = users_file(tmp_path / "elsewhere", "2026-10-02.csv", ["oMpOutside"])
    (users / "2026-10-02_outside.csv").symlink_to(outside)
    (users / "2026-10-03_inside.csv").symlink_to(users / "2026-10-01.csv")
    (users / "2026-10-04_dangling.csv").symlink_to(tmp_path / "nothing-here.csv")
    members_file(tmp_path / "elsewhere_crm", "2026-10-01.csv", [member_row("90001")])
    (landing / "crm").symlink_to(tmp_path / "elsewhere_crm" / "crm")  # a whole channel linked in
    os.mkfifo(users / "2026-10-05_pipe.csv")
    server = socket.socket(socket.AF_UNIX)
    with monkeypatch.context() as here:
        here.chdir(users)  # a socket's path is short: bind it by its name in its folder
        server.bind("2026-10-06_socket.csv")
    (users / "2026-10-07_folder.csv").mkdir()
    expected = {
        f"{USERS}/2026-10-02_outside.csv": "symbolic link to a place outside",
        f"{USERS}/2026-10-03_inside.csv": "symbolic link to a place inside",
        f"{USERS}/2026-10-04_dangling.csv": "symbolic link",
        "crm": "symbolic link to a place outside",
        f"{USERS}/2026-10-05_pipe.csv": "named pipe",
        f"{USERS}/2026-10-06_socket.csv": "socket",
        f"{USERS}/2026-10-07_folder.csv": "empty folder",
    }
    try:
        os.mknod(users / "2026-10-08_device.csv", stat.S_IFCHR | 0o600, os.makedev(1, 3))
        expected[f"{USERS}/2026-10-08_device.csv"] = "character device"
    except PermissionError:
        pass  # no CAP_MKNOD here: the other kinds still run
    try:
        ingest(con, landing)
        ingest(con, landing)  # the next night: nothing recorded twice, nothing blocks
    finally:
        server.close()
    found = rejects(con)
    for name, words in expected.items():
        assert found[(name, 0)] == ("not_a_regular_file", None), name
        assert words in files_message(con, name), name
        assert files(con)[name][0] == "rejected"
    assert len(found) == len(expected)
    assert loaded(con, "miniprogram__users", "openid") == ["oMpGood1"]
    assert con.execute("select count(*) from raw.crm__members").fetchone()[0] == 0


def test_a_folder_that_cannot_be_listed_is_listed_as_a_reject_and_the_others_load(con, landing, monkeypatch):
    users_file(landing, "2026-10-01.csv", ["oMpGood1"])
    members_file(landing, "2026-10-01.csv", [member_row("90001")])
    real_scandir = os.scandir

    def denied(path):
        if os.fspath(path).endswith("crm/members"):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(landing_module.os, "scandir", denied)
    ingest(con, landing)
    assert rejects(con) == {("crm/members", 0): ("not_a_regular_file", None)}
    assert "cannot be listed (Permission denied)" in files_message(con, "crm/members")
    assert loaded(con, "miniprogram__users", "openid") == ["oMpGood1"]


def test_a_file_swapped_for_a_pipe_after_the_scan_is_refused_at_once(tmp_path):
    pipe = tmp_path / "2026-10-01.csv"
    os.mkfifo(pipe)
    with watchdog(10), pytest.raises(OSError, match="not a regular file"), landing_module.open_regular(pipe):
        pass
    link = tmp_path / "2026-10-02.csv"
    link.symlink_to(users_file(tmp_path, "2026-10-03.csv", ["oMp1"]))
    with pytest.raises(OSError), landing_module.open_regular(link):  # a link is never followed, whatever it points to
        pass


# --- values: a row that cannot be kept exactly is rejected with a reason; the rest of the file loads ----


def test_ids_in_every_scientific_form_are_rejected_and_hex_ids_are_kept(con, landing):
    bad_ids = ["1.2E13", "1.2e+13", "12E5", "4.2000012E+19", "3e-5", "1E10"]
    members_file(landing, "2026-10-01.csv", [member_row("382878654"), *[member_row(i) for i in bad_ids], member_row("M849451667726")])
    write_jsonl(landing / "crm" / "members" / "2026-10-02.jsonl", [
        '{"member_id": 12E5, "join_date": "2024-05-01", "update_time": "2026-10-02 09:00:00"}',
        '{"member_id": 1200000, "join_date": "2024-05-01", "update_time": "2026-10-02 09:00:00"}',
    ])
    order = {"order_id": "A1", "user_id": "U1", "create_time": "2026-10-05 10:00", "update_time": "2026-10-05 10:00",
             "status": "paid", "total_yuan": "10.00"}
    devices = ["95941962e1331", "9e13310000000000", "12E5", "9.5E13", "12e+5"]
    write_csv(landing / "app" / "orders" / "2026-10-01.csv", [*order, "device_id"],
              [[*{**order, "order_id": f"A{i}"}.values(), d] for i, d in enumerate(devices, start=1)])
    ingest(con, landing)
    assert loaded(con, "crm__members", "member_id") == ["1200000", "382878654", "M849451667726"]
    assert loaded(con, "app__orders", "device_id") == ["12E5", "95941962e1331", "9e13310000000000"]
    assert rejects(con) == {
        **{(f"{MEMBERS}/2026-10-01.csv", row): ("scientific_member_id", "member_id") for row in range(2, 2 + len(bad_ids))},
        (f"{MEMBERS}/2026-10-02.jsonl", 1): ("scientific_member_id", "member_id"),
        ("app/orders/2026-10-01.csv", 4): ("scientific_device_id", "device_id"),
        ("app/orders/2026-10-01.csv", 5): ("scientific_device_id", "device_id"),
    }
    raw = con.execute("select raw_text from raw._rejects where source_file like '%members/2026-10-01.csv' and row_number = 4").fetchone()[0]
    assert json.loads(raw)["member_id"] == "12E5"
    assert_counts_reconcile(con)


def test_spreadsheet_values_that_cannot_be_kept_exactly_are_rejected_rows(con, landing):
    header = [*MEMBER_HEADER, "level"]
    good = member_row("100")
    serial_2024_05_01 = (date(2024, 5, 1) - date(1899, 12, 30)).days
    rows = [
        [37225843743379931325, *good[1:], "gold"],                      # 2: a 20-digit number: its digits are gone
        [123456789012345, *good[1:], "gold"],                           # 3: 15 digits, exact in a double
        ["37225843743379931325", *good[1:], "gold"],                    # 4: the same id as text, kept exactly
        ["101", *good[1:5], 1e17, "gold"],                              # 5: points beyond a double's exact integers
        ["102", ("formula", "A2&\"x\"", None), *good[2:], "gold"],      # 6: a formula without a cached value
        ["103", *good[1:], ("formula", "UPPER(\"vip\")", "VIP")],       # 7: a formula with its value: the value
        ["104", *good[1:2], ("error", "#N/A"), *good[3:], "gold"],      # 8: an error cell
        ["105", *good[1:3], ("date", serial_2024_05_01), ("date", serial_2024_05_01 + 0.5), *good[5:], "gold"],  # 9: date cells
        [2**53, *good[1:], "gold"],                                     # 10: the largest exact integer
    ]
    write_raw_xlsx(landing / "crm" / "members" / "2026-10-01.xlsx", header, rows)
    members_file(landing, "2026-10-02.csv", [member_row("200")])
    ingest(con, landing)
    source = f"{MEMBERS}/2026-10-01.xlsx"
    assert rejects(con) == {
        (source, 1): ("numeric_precision_lost", "member_id"),
        (source, 4): ("numeric_precision_lost", "points"),
        (source, 5): ("formula_without_value", "name"),
        (source, 7): ("cell_error", "phone"),
    }
    assert loaded(con, "crm__members", "member_id") == ["103", "105", "123456789012345", "200", "37225843743379931325", str(2**53)]
    assert con.execute("select level from raw.crm__members where member_id = '103'").fetchone()[0] == "VIP"
    joined, updated = con.execute("select join_date, update_time from raw.crm__members where member_id = '105'").fetchone()
    assert joined == date(2024, 5, 1)
    assert updated.astimezone(UTC) == datetime(2024, 5, 1, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
    assert files(con)[source] == ("loaded", 9, 5, 4)


def test_damaged_text_and_control_characters_are_rejected_rows_and_the_rest_keeps_its_text(con, landing):
    users = landing / "miniprogram" / "users"
    users.mkdir(parents=True)
    lines = [",".join(USER_HEADER).encode(), *(",".join(user_row(f"oMpU{i}", nickname="张三")).encode() for i in range(1, 4))]
    lines[2] = lines[2].replace("张三".encode(), b"\xe5\xbc\xa0\xff\xfe")  # row 2: a character cut short
    (users / "2026-10-01_utf8.csv").write_bytes(b"\n".join(lines) + b"\n")
    gb = [line.decode().replace("oMpU", "oMpG").encode("gb18030") for line in lines[:1]] + [
        ",".join(user_row(f"oMpG{i}", nickname="李四")).encode("gb18030") for i in range(1, 4)]
    gb[3] = gb[3].replace("李四".encode("gb18030"), b"\xc0\xee\xff")  # row 3: bytes no encoding reads
    (users / "2026-10-02_gb.csv").write_bytes(b"\r\n".join(gb) + b"\r\n")
    controls = [user_row("oMpC1", nickname="bell\x07"), user_row("oMpC2", nickname="tab\tok"), user_row("oMpC3", phone="138\x1b[0m"),
                user_row("oMpC4", nickname="del\x7f"), user_row("oMpC5", nickname="多行\n地址"), user_row("oMpC6", nickname="nul\x00")]
    write_csv(users / "2026-10-03_controls.csv", USER_HEADER, controls)
    write_jsonl(users / "2026-10-04.jsonl", [dict(zip(USER_HEADER, user_row("oMpJ1", nickname="esc\u001b"))),
                                            dict(zip(USER_HEADER, user_row("oMpJ2")))])
    ingest(con, landing)
    assert rejects(con) == {
        (f"{USERS}/2026-10-01_utf8.csv", 2): ("invalid_encoding", "nickname"),
        (f"{USERS}/2026-10-02_gb.csv", 3): ("invalid_encoding", "nickname"),
        (f"{USERS}/2026-10-03_controls.csv", 1): ("control_character", "nickname"),
        (f"{USERS}/2026-10-03_controls.csv", 3): ("control_character", "phone"),
        (f"{USERS}/2026-10-03_controls.csv", 4): ("control_character", "nickname"),
        (f"{USERS}/2026-10-03_controls.csv", 6): ("control_character", "nickname"),
        (f"{USERS}/2026-10-04.jsonl", 1): ("control_character", "nickname"),
    }
    names = dict(con.execute("select openid, nickname from raw.miniprogram__users").fetchall())
    assert names == {"oMpU1": "张三", "oMpU3": "张三", "oMpG1": "李四", "oMpG2": "李四", "oMpC2": "tab\tok", "oMpC5": "多行\n地址", "oMpJ2": "小明"}
    encodings = dict(con.execute("select source_file, encoding from raw._files").fetchall())
    assert encodings[f"{USERS}/2026-10-01_utf8.csv"] == "utf-8" and encodings[f"{USERS}/2026-10-02_gb.csv"] == "gb18030"
    assert_counts_reconcile(con)


# --- one night with all of it present -------------------------------------------------------------------


@pytest.fixture(scope="module")
def bad_night(tmp_path_factory):
    """A generated night with a bad file, entry or value of every kind beside the good files, run whole."""
    from c360.runner import run_nightly
    from c360_tools.generate import generate
    from orchestration.lib.settings import Paths

    tmp_path = tmp_path_factory.mktemp("bad_night")
    summary = generate(tmp_path / "gen", persons=300, days=3, seed=5)
    landing = summary.landing_dir
    day = sorted(f.file_date for f in scan(landing))[-1].isoformat()
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv(reader_module.MAX_TEXT_BYTES_ENV, str(5_000_000))
        users = landing / "miniprogram" / "users"
        text = csv_text(USER_HEADER, [user_row("oMpNightCr1"), user_row("oMpNightCr2")], "\r")
        (users / f"{day}_mac.csv").write_text(text, encoding="utf-8")
        row = (",".join(user_row("oMpBomb")) + "\n").encode()
        (users / f"{day}_bomb.csv.gz").write_bytes(gzip.compress(",".join(USER_HEADER).encode() + b"\n" + row * (60_000_000 // len(row))))
        write_raw_xlsx(users / f"{day}_far.xlsx", USER_HEADER, [user_row("oMpNightX1")], dimension="A1:XFD1048576",
                       extra_xml='<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>')
        os.mkfifo(users / f"{day}_pipe.csv")
        outside = users_file(tmp_path / "elsewhere", f"{day}.csv", ["oMpOutside"])
        (users / f"{day}_link.csv").symlink_to(outside)
        members = [member_row("12E5"), member_row("1.2e13"), member_row("7700001")]
        members_file(landing, f"{day}_manual.csv", members)
        write_raw_xlsx(landing / "crm" / "members" / f"{day}_numeric.xlsx", MEMBER_HEADER,
                       [[37225843743379931325, *member_row("x")[1:]], [7700002, *member_row("x")[1:]]])
        paths = Paths(landing_dir=landing, data_dir=tmp_path / "data")
        with watchdog(900):
            first = run_nightly(paths)
    assert first.success, first.failure
    return paths, day


def published_member_ids(paths) -> set[str]:
    from orchestration.publish.swap import PublishLayout

    with duckdb.connect(str(PublishLayout(paths.data_dir).published), read_only=True) as con:
        return {r[0] for r in con.execute("select source_key from c360.customer_xref where source = 'crm.members'").fetchall()}


@pytest.mark.slow
def test_a_night_with_bad_files_entries_and_values_succeeds_and_publishes(bad_night):
    paths, day = bad_night
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        found = rejects(con)
        assert_counts_reconcile(con)
        assert {"oMpNightCr1", "oMpNightCr2", "oMpNightX1"} <= set(loaded(con, "miniprogram__users", "openid"))
        assert "oMpOutside" not in loaded(con, "miniprogram__users", "openid")
    assert found[(f"{USERS}/{day}_bomb.csv.gz", 0)][0] == "file_too_large"
    assert found[(f"{USERS}/{day}_pipe.csv", 0)][0] == "not_a_regular_file"
    assert found[(f"{USERS}/{day}_link.csv", 0)][0] == "not_a_regular_file"
    assert found[(f"{USERS}/{day}_far.xlsx", 2)][0] == "wrong_field_count"
    assert found[(f"{MEMBERS}/{day}_manual.csv", 1)][0] == "scientific_member_id"
    assert found[(f"{MEMBERS}/{day}_manual.csv", 2)][0] == "scientific_member_id"
    assert found[(f"{MEMBERS}/{day}_numeric.xlsx", 1)][0] == "numeric_precision_lost"
    assert {"7700001", "7700002"} <= published_member_ids(paths)


@pytest.mark.long  # a second whole run; the night above stays in CI
def test_the_next_night_with_every_bad_entry_still_there_succeeds_too(bad_night, monkeypatch):
    from c360.runner import run_nightly

    paths, day = bad_night
    monkeypatch.setenv(reader_module.MAX_TEXT_BYTES_ENV, str(5_000_000))
    members_file(paths.landing_dir, f"{day}_manual_2.csv", [member_row("3E5"), member_row("7700003")])
    with watchdog(900):
        second = run_nightly(paths)
    assert second.success, second.failure
    assert "7700003" in published_member_ids(paths)
