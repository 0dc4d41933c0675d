"""Writing small export files by hand, for tests of the reader: every format, encoding and quirk."""

from __future__ import annotations

import csv
import gzip
import io
import json
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
