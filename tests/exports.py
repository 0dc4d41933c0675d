"""Writing small export files by hand, for tests of the reader: every format, encoding and quirk."""

from __future__ import annotations

import csv
import gzip
import io
import json
import zipfile
from pathlib import Path

import xlsxwriter


def csv_text(header: list[str], rows: list[list[str]], line_end: str = "\n") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=line_end)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8", line_end: str = "\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = csv_text(header, rows, line_end).encode(encoding)
    if path.name.endswith(".gz"):
        data = gzip.compress(data)
    path.write_bytes(data)
    return path


def write_jsonl(path: Path, records: list[dict | str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    for c, cell in enumerate(header):
        sheet.write_string(0, c, cell)
    for r, row in enumerate(rows, start=1):
        for c, cell in enumerate(row):
            if isinstance(cell, str):
                sheet.write_string(r, c, cell)
            elif cell is not None:
                sheet.write_number(r, c, cell)
    workbook.close()
    return path


# A valid mini program user, the smallest entity with every kind of column worth testing.
USER_HEADER = ["openid", "unionid", "phone", "nickname", "gender", "register_time", "update_time"]


def user_row(openid: str, update_time: str = "2026-10-01 10:00:00", **overrides: str) -> list[str]:
    row = {
        "openid": openid,
        "unionid": "oUn1d" + openid[-6:],
        "phone": "13800138001",
        "nickname": "小明",
        "gender": "1",
        "register_time": "2026-09-01 08:00:00",
        "update_time": update_time,
    }
    row.update(overrides)
    return [row[c] for c in USER_HEADER]


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def xlsx_cell(reference: str, value: object) -> str:
    """One ``<c>`` element: text (inline), a number, or a tuple ``(kind, ...)`` for the rest:
    ("formula", expression, cached text or None), ("date", serial), ("error", "#N/A")."""
    if value is None:
        return ""
    if isinstance(value, str):
        return f'<c r="{reference}" t="inlineStr"><is><t xml:space="preserve">{_xml_text(value)}</t></is></c>'
    if isinstance(value, tuple):
        match value:
            case ("formula", expression, None):
                return f'<c r="{reference}"><f>{_xml_text(expression)}</f></c>'
            case ("formula", expression, cached):
                return f'<c r="{reference}" t="str"><f>{_xml_text(expression)}</f><v>{_xml_text(cached)}</v></c>'
            case ("date", serial):
                return f'<c r="{reference}" s="1"><v>{serial}</v></c>'
            case ("error", code):
                return f'<c r="{reference}" t="e"><v>{code}</v></c>'
    return f'<c r="{reference}"><v>{value!r}</v></c>'


_XLSX_PARTS = {
    "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>',
    # cell format 1 shows numbers as dates (built-in format 22, m/d/yyyy h:mm)
    "xl/styles.xml": '<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="22" applyNumberFormat="1"/></cellXfs></styleSheet>',
}


def write_raw_xlsx(path: Path, header: list[str], rows: list[list[object]], dimension: str | None = None,
                   extra_xml: str = "") -> Path:
    """An xlsx written part by part, for what xlsxwriter will not write: formulas without a cached value,
    numeric ids, a claimed ``<dimension>``, cells far away (``extra_xml`` goes at the end of sheetData)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet_rows = []
    for r, row in enumerate([header, *rows], start=1):
        cells = "".join(xlsx_cell(f"{_column_letters(c)}{r}", value) for c, value in enumerate(row))
        sheet_rows.append(f'<row r="{r}">{cells}</row>')
    ref = dimension or f"A1:{_column_letters(len(header) - 1)}{len(rows) + 1}"
    sheet = ('<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f'<dimension ref="{ref}"/><sheetData>{"".join(sheet_rows)}{extra_xml}</sheetData></worksheet>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, text in {**_XLSX_PARTS, "xl/worksheets/sheet1.xml": sheet}.items():
            book.writestr(name, text)
    return path


# A valid CRM member: member ids are the contract's plainest numeric ids.
MEMBER_HEADER = ["member_id", "name", "phone", "join_date", "update_time", "points"]


def member_row(member_id: str, **overrides: str) -> list[str]:
    row = {"member_id": member_id, "name": "王芳", "phone": "13900139001", "join_date": "2024-05-01",
           "update_time": "2026-10-01 09:00:00", "points": "120"}
    row.update(overrides)
    return [row[c] for c in MEMBER_HEADER]
