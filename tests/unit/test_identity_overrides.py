"""Reading operators' identity overrides: every action, and errors that name the file and the line."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.identity.overrides import OverrideError, read_overrides, set_aside_erased


def write(landing: Path, name: str, text: str) -> None:
    folder = landing / "identity" / "overrides"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def test_every_action_is_read_with_its_file_and_line(tmp_path):
    write(tmp_path, "2026-10-02.csv", "action,record,other_record,reason\n"
          "never_link,crm.members:M1,channels.buyers:oCh1,proxy order\n"
          "\n"
          "always_link,app.users:U1,web.customers:W1,\n"
          "detach,wecom.contacts:wm1,,staff typo\n")
    overrides = read_overrides(tmp_path)
    assert [(o.action, o.record_key, o.other_record_key, o.line) for o in overrides] == [
        ("never_link", "crm.members|M1", "channels.buyers|oCh1", 2),
        ("always_link", "app.users|U1", "web.customers|W1", 4),
        ("detach", "wecom.contacts|wm1", None, 5),
    ]
    assert {o.file for o in overrides} == {"identity/overrides/2026-10-02.csv"}


def test_no_folder_means_no_overrides(tmp_path):
    assert read_overrides(tmp_path) == []


@pytest.mark.parametrize("line, message", [
    ("merge,crm.members:M1,crm.members:M2,", "unknown action 'merge'"),
    ("never_link,crm.members:M1,,", "never_link needs other_record"),
    ("detach,crm.members:M1,crm.members:M2,", "detach takes one record"),
    ("always_link,shop.buyers:B1,crm.members:M2,", "unknown source 'shop.buyers'"),
    ("never_link,13912345678,crm.members:M2,", "SOURCE:KEY, got '139****78'"),
    ("never_link,crm.members:M1,crm.members:M1,", "with itself"),
])
def test_a_bad_line_is_an_error_naming_file_and_line_with_values_masked(tmp_path, line, message):
    write(tmp_path, "a.csv", "action,record,other_record,reason\ndetach,crm.members:M0,,\n")
    write(tmp_path, "b.csv", f"action,record,other_record,reason\ndetach,crm.members:M9,,\n{line}\n")
    with pytest.raises(OverrideError) as raised:
        read_overrides(tmp_path)
    assert str(raised.value).startswith("identity/overrides/b.csv line 3: ")
    assert message in str(raised.value)
    assert "13912345678" not in str(raised.value)


def test_a_file_without_the_columns_is_an_error(tmp_path):
    write(tmp_path, "c.csv", "what,who\nnever_link,crm.members:M1\n")
    with pytest.raises(OverrideError, match=r"identity/overrides/c.csv line 1: missing column action, record"):
        read_overrides(tmp_path)


def test_an_override_naming_an_erased_record_is_set_aside_and_the_rest_applies(tmp_path):
    write(tmp_path, "a.csv", "action,record,other_record,reason\nnever_link,crm.members:M1,app.users:U1,\n"
                             "always_link,crm.members:M2,app.users:U2,\ndetach,crm.members:M1,,\n")
    erasure_key = "k" * 64
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute("create table raw._erased_records (source varchar, key_hash varchar, request_file varchar, erased_at timestamptz)")
    con.execute("insert into raw._erased_records values ('crm.members', sha256(? || '|crm.members:M1'), 'erasure/r.csv', now())",
                [erasure_key])
    applied, set_aside = set_aside_erased(con, read_overrides(tmp_path), erasure_key, "raw._erased_records")
    assert [(o.action, o.record_key) for o in applied] == [("always_link", "crm.members|M2")]
    assert [(o.line, o.action) for o in set_aside] == [(2, "never_link"), (4, "detach")]


def test_before_any_erasure_every_override_applies(tmp_path):
    write(tmp_path, "a.csv", "action,record,other_record,reason\nnever_link,crm.members:M1,app.users:U1,\n")
    applied, set_aside = set_aside_erased(duckdb.connect(), read_overrides(tmp_path), "k", "raw._erased_records")
    assert len(applied) == 1 and set_aside == []
