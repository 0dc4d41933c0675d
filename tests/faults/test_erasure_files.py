"""Never resurrect: an erasure file is read however it is laid out, or the run stops naming the file and
line. Skipping one would publish a person who asked to be forgotten."""

from __future__ import annotations

import pytest

from orchestration.erasure.requests import ErasureRequestError, valid_requests

PHONE = "13900139001"


def write(landing, relative: str, content: bytes | str, encoding: str = "utf-8") -> None:
    path = landing / "erasure" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))


@pytest.mark.parametrize(
    "content",
    [
        "id_type, id_value\nphone, 13900139001\n",  # spaces after the commas
        "\ufeffID_TYPE,ID_VALUE\r\nphone,+86 139 0013 9001\r\n",  # BOM, upper-case header, CRLF
        "id_type,id_value\n\nphone,13900139001\n\n",  # blank lines
        'id_type,id_value\n"phone","13900139001"\n',  # quoted
    ],
)
def test_requests_laid_out_loosely_are_still_read(tmp_path, content):
    write(tmp_path, "2026-10-20.csv", content)
    assert [(r.id_type, r.id_value) for r in valid_requests(tmp_path)] == [("phone", PHONE)]


def test_requests_in_subfolders_are_read(tmp_path):
    write(tmp_path, "2026/10/requests.csv", f"id_type,id_value\nphone,{PHONE}\n")
    assert [r.request_file for r in valid_requests(tmp_path)] == ["erasure/2026/10/requests.csv"]


@pytest.mark.parametrize(
    ("relative", "content", "encoding", "where", "reason"),
    [
        ("a.csv", f"id_type;id_value\nphone;{PHONE}\n", "utf-8", "erasure/a.csv line 1", "header"),
        ("a.csv", f"id_type\tid_value\nphone\t{PHONE}\n", "utf-8", "erasure/a.csv line 1", "header"),
        ("a.csv", f"type,value\nphone,{PHONE}\n", "utf-8", "erasure/a.csv line 1", "header"),
        ("a.csv", f"id_type,id_value\nphone,{PHONE}\n手机,{PHONE}\n", "gb18030", "erasure/a.csv", "UTF-8"),
        ("a.csv", f"id_type,id_value\nphone,{PHONE}\npassport,{PHONE}\n", "utf-8", "erasure/a.csv line 3", "unknown id_type"),
        ("a.csv", "id_type,id_value\nphone,\n", "utf-8", "erasure/a.csv line 2", "empty id_value"),
        ("a.csv", f"id_type,id_value\nphone,{PHONE},extra\n", "utf-8", "erasure/a.csv line 2", "3 fields"),
        ("sub/a.xlsx", b"PK\x03\x04 not really a workbook", "utf-8", "erasure/sub/a.xlsx", "not a .csv"),
        ("a.txt", f"id_type,id_value\nphone,{PHONE}\n", "utf-8", "erasure/a.txt", "not a .csv"),
    ],
)
def test_a_malformed_request_stops_the_run_naming_file_and_line_but_no_value(tmp_path, relative, content, encoding, where, reason):
    write(tmp_path, "good.csv", "id_type,id_value\nemail,someone@example.com\n")
    write(tmp_path, relative, content, encoding)
    with pytest.raises(ErasureRequestError) as raised:
        valid_requests(tmp_path)
    message = str(raised.value)
    assert where in message and reason in message
    assert PHONE not in message and "someone@example.com" not in message


def test_a_special_file_in_the_erasure_folder_stops_the_run(tmp_path):
    import os

    (tmp_path / "erasure").mkdir()
    os.mkfifo(tmp_path / "erasure" / "pipe.csv")
    (tmp_path / "erasure" / "outside.csv").symlink_to("/etc/hostname")
    with pytest.raises(ErasureRequestError, match="not a regular file") as raised:
        valid_requests(tmp_path)
    assert "pipe.csv" in str(raised.value) and "outside.csv" in str(raised.value)
