"""The generic reader: formats, encodings, headers and the whole-file rejects."""

from __future__ import annotations

import gzip

import polars as pl
import pytest
from exports import USER_HEADER, user_row, write_csv, write_jsonl, write_raw_xlsx, write_xlsx

import orchestration.ingest.reader as reader_module
from orchestration.ingest.reader import FIELD_COUNT_OK, FileRejected, read_export
from orchestration.ingest.schema import entities_by_name

USERS = entities_by_name()["miniprogram/users"]
ZH_HEADER = ["openid", "unionid", "手机号", "昵称", "性别", "注册时间", "更新时间"]


def read(path, fmt="csv"):
    return read_export(path, fmt, USERS)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
def test_csv_in_every_encoding_and_line_end(tmp_path, encoding, line_end):
    path = write_csv(tmp_path / "u.csv", ZH_HEADER, [user_row("oMp1", nickname="张三, \"小张\""), user_row("oMp2")], encoding, line_end)
    raw = read(path)
    assert raw.encoding == encoding
    assert raw.cells["openid"].to_list() == ["oMp1", "oMp2"]
    assert raw.cells["nickname"].to_list() == ['张三, "小张"', "小明"]
    assert raw.cells["update_time"].to_list() == ["2026-10-01 10:00:00"] * 2


def test_quoted_line_break_does_not_start_a_record(tmp_path):
    rows = [user_row("oMp1", nickname="第一行\n第二行"), user_row("oMp2")]
    raw = read(write_csv(tmp_path / "u.csv", USER_HEADER, rows))
    assert raw.cells["_row_number"].to_list() == [1, 2]
    assert raw.cells["nickname"][0] == "第一行\n第二行"
    assert raw.cells[FIELD_COUNT_OK].all()


def test_header_cells_in_any_order_with_stray_spaces_mixed_languages_and_extras(tmp_path):
    header = [" 更新时间 ", "openid ", "source_system", "手机号", " register_time", "gender", "昵称", "unionid"]
    row = ["2026-10-01 10:00:00", "oMp1", "导出", "13800138001", "2026-09-01 08:00:00", "2", "小红", "oUn1"]
    raw = read(write_csv(tmp_path / "u.csv", header, [row]))
    assert raw.extra_columns == ["source_system"]
    assert raw.cells.select(USER_HEADER).row(0) == ("oMp1", "oUn1", "13800138001", "小红", "2", "2026-09-01 08:00:00", "2026-10-01 10:00:00")


def test_optional_column_absent_from_the_file_is_null(tmp_path):
    header = [c for c in USER_HEADER if c != "nickname"]
    row = [v for c, v in zip(USER_HEADER, user_row("oMp1")) if c != "nickname"]
    raw = read(write_csv(tmp_path / "u.csv", header, [row]))
    assert raw.cells["nickname"].to_list() == [None]


def test_rows_with_too_few_or_too_many_fields_are_flagged(tmp_path):
    text = ",".join(USER_HEADER) + "\n" + ",".join(user_row("oMp1")) + "\n" + "oMp2,x\n" + ",".join(user_row("oMp3") + ["extra"]) + "\n" + ",".join(user_row("oMp4")[:-1]) + ",\n"
    path = tmp_path / "u.csv"
    path.write_text(text)
    raw = read(path)
    assert raw.cells[FIELD_COUNT_OK].to_list() == [True, False, False, True]
    assert raw.cells["openid"].to_list() == ["oMp1", "oMp2", "oMp3", "oMp4"]


def test_stray_quote_falls_back_to_the_careful_reader(tmp_path):
    path = tmp_path / "u.csv"
    path.write_text(",".join(USER_HEADER) + '\noMp1,oUn1,138,小"明,1,2026-09-01 08:00:00,2026-10-01 10:00:00\n')
    raw = read(path)
    assert raw.rows_read == 1
    assert raw.cells["nickname"][0] == '小"明'


def test_gzip_csv(tmp_path):
    raw = read(write_csv(tmp_path / "u.csv.gz", USER_HEADER, [user_row("oMp1")]), "csv.gz")
    assert raw.cells["openid"].to_list() == ["oMp1"]


def test_jsonl_with_numbers_nulls_and_a_broken_line(tmp_path):
    good = dict(zip(USER_HEADER, user_row("oMp1")))
    good["gender"] = 2
    good["phone"] = None
    path = write_jsonl(tmp_path / "u.jsonl", [good, "{not json", {**good, "openid": "oMp3", "x_extra": 1}])
    raw = read(path, "jsonl")
    assert raw.cells["gender"].to_list() == ["2", None, "2"]
    assert raw.cells["phone"].to_list() == [None, None, None]
    assert raw.cells[FIELD_COUNT_OK].to_list() == [True, False, True]
    assert raw.extra_columns == ["x_extra"]


def test_xlsx_first_sheet_as_text(tmp_path):
    path = write_xlsx(tmp_path / "u.xlsx", ZH_HEADER, [user_row("oMp1"), [*user_row("oMp2")[:4], 1, *user_row("oMp2")[5:]]])
    raw = read(path, "xlsx")
    assert raw.cells["openid"].to_list() == ["oMp1", "oMp2"]
    assert raw.cells["gender"].to_list() == ["1", "1"]
    assert raw.cells["_row_number"].to_list() == [1, 2]


@pytest.mark.parametrize(
    ("content", "fmt", "reason"),
    [
        (b"", "csv", "empty_file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "csv", "binary_file"),
        ("openid,更新时间\n".encode("utf-16"), "csv", "unsupported_encoding"),
        (b"openid,register_time,update_time\n\xff\xfe\xfd\x80\x80\n", "csv", "unsupported_encoding"),
        (gzip.compress(b"openid,register_time,update_time\n" * 100)[:30], "csv.gz", "corrupt_gzip"),
        (b"PK\x03\x04 this is not a workbook", "xlsx", "corrupt_xlsx"),
        (b"openid,openid,register_time,update_time\n1,1,2026-10-01,2026-10-01\n", "csv", "duplicate_column"),
        (b"openid,register_time\noMp1,2026-10-01 10:00:00\n", "csv", "required_column_missing"),
    ],
)
def test_unreadable_files_are_rejected_whole_with_a_reason(tmp_path, content, fmt, reason):
    path = tmp_path / f"u.{fmt}"
    path.write_bytes(content)
    with pytest.raises(FileRejected) as rejected:
        read(path, fmt)
    assert rejected.value.reason == reason
    assert rejected.value.message


def test_missing_required_column_names_the_column(tmp_path):
    path = write_csv(tmp_path / "u.csv", ["openid", "register_time"], [["oMp1", "2026-10-01 10:00:00"]])
    with pytest.raises(FileRejected) as rejected:
        read(path)
    assert rejected.value.column == "update_time"
    assert "update_time" in rejected.value.message


def test_header_only_file_reads_zero_rows(tmp_path):
    path = write_csv(tmp_path / "u.csv", USER_HEADER, [])
    assert read(path).rows_read == 0


def test_a_ten_megabyte_line_is_read(tmp_path):
    long_name = "长" * 3_500_000  # 10.5 MB of UTF-8 in one cell
    raw = read(write_csv(tmp_path / "u.csv", USER_HEADER, [user_row("oMp1", nickname=long_name), user_row("oMp2")]))
    assert raw.rows_read == 2
    assert len(raw.cells["nickname"][0]) == len(long_name)


def test_field_counts_match_pythons_csv_module_on_awkward_records(tmp_path):
    rows = [user_row(f"oMp{i}", nickname=n) for i, n in enumerate(['a,b', 'q"uote', "line\r\nbreak", "", ",,,"])]
    raw = read(write_csv(tmp_path / "u.csv", USER_HEADER, rows, line_end="\r\n"))
    assert raw.cells["nickname"].to_list() == ["a,b", 'q"uote', "line\r\nbreak", None, ",,,"]
    assert isinstance(raw.cells, pl.DataFrame) and raw.cells[FIELD_COUNT_OK].all()


def test_text_workbooks_read_the_same_by_calamine_and_by_the_streaming_reader(tmp_path, monkeypatch):
    """Workbooks of text cells go to calamine (fast); anything else to the streaming reader. Both read a
    text workbook alike: blank rows skipped, a cell right of the header a wrong field count."""
    rows = [user_row("oMp1"), [], ["", "", "", "", "", "", ""], user_row("oMp2", nickname=""), [*user_row("oMp3"), "stray"]]
    path = write_raw_xlsx(tmp_path / "u.xlsx", USER_HEADER, rows)
    assert reader_module.only_text_cells(path.read_bytes(), 1 << 30)
    by_calamine = read(path, "xlsx")
    monkeypatch.setattr(reader_module, "only_text_cells", lambda data, limit: False)
    streamed = read(path, "xlsx")
    assert by_calamine.cells.equals(streamed.cells)
    assert streamed.cells["openid"].to_list() == ["oMp1", "oMp2", "oMp3"]
    assert streamed.cells["nickname"].to_list() == ["小明", None, "小明"]
    assert streamed.cells[FIELD_COUNT_OK].to_list() == [True, True, False]


@pytest.mark.parametrize(
    "extra_xml",
    [
        '<row r="5"><c r="A5"><v>12</v></c></row>',                                   # a number
        '<row r="5"><c r="A5" t="str"><f>A2</f><v>x</v></c></row>',                   # a formula
        '<row r="5"><c r="A5" t="b"><v>1</v></c></row>',                              # a boolean
        '<row r="5"><c t="inlineStr"><is><t>x</t></is></c></row>',                    # a cell without a reference
        '<row r="900000"><c r="A900000" t="inlineStr"><is><t>x</t></is></c></row>',   # a range far beyond its cells
    ],
)
def test_workbooks_calamine_would_misread_go_to_the_streaming_reader(tmp_path, extra_xml):
    path = write_raw_xlsx(tmp_path / "u.xlsx", USER_HEADER, [user_row("oMp1")], extra_xml=extra_xml)
    assert not reader_module.only_text_cells(path.read_bytes(), 1 << 30)
