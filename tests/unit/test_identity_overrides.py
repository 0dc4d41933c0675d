"""Reading operators' identity overrides: every action, and errors that name the file and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.identity.overrides import OverrideError, read_overrides


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
