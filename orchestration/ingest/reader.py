"""One generic reader: any export file (csv, csv.gz, xlsx, jsonl) into a frame of raw text cells.

The result has one column per canonical column of the entity (text as it was in the file, or null when
the file lacks the column), a ``_row_number`` (the data record after the header, from 1), a
``_field_count_ok`` flag and, for a cell the reader could not keep exactly (a spreadsheet number beyond a
double's exact integers, a formula without a value), ``_cell_problem`` and ``_cell_problem_column``.
Typing and row rejection happen in ``parse``; whatever makes a whole file unreadable (damage, I/O
errors, text beyond the size bound, memory) raises :class:`FileRejected`, and nothing else escapes.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import math
import os
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import fastexcel
import numpy as np
import polars as pl

from ..lib.settings import settings
from .landing import open_regular
from .schema import Entity, normalise_header_cell
from .xlsx import DAMAGE as XLSX_DAMAGE
from .xlsx import Sheet, XlsxTooLarge, only_text_cells, read_first_sheet

ROW_NUMBER = "_row_number"
FIELD_COUNT_OK = "_field_count_ok"
CELL_PROBLEM = "_cell_problem"
CELL_PROBLEM_COLUMN = "_cell_problem_column"
# The most bytes of text (after decompression) one file may hold; beyond it the file is rejected whole,
# so that a small gzip or xlsx cannot expand into all of the memory.
MAX_TEXT_BYTES_ENV = "C360_MAX_FILE_BYTES"


def max_text_bytes() -> int:
    return settings().max_file_bytes


class FileRejected(Exception):
    """The whole file cannot be loaded; ``reason`` is a stable code, ``column`` the column at fault."""

    def __init__(self, reason: str, message: str, column: str | None = None):
        super().__init__(message)
        self.reason = reason
        self.column = column
        self.message = message


@dataclass
class RawFile:
    cells: pl.DataFrame
    encoding: str
    extra_columns: list[str] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return self.cells.height


def read_export(path: Path, fmt: str, entity: Entity) -> RawFile:
    """The file's cells; every failure is a :class:`FileRejected` naming the reason."""
    try:
        return _read_export(path, fmt, entity)
    except FileRejected:
        raise
    except MemoryError as exc:
        raise FileRejected("out_of_memory", "the file does not fit in memory") from exc
    except OSError as exc:
        raise FileRejected("unreadable_file", f"the file cannot be read ({exc.strerror or type(exc).__name__})") from exc
    except Exception as exc:  # a damaged file must never stop the other files: its reader's error is its reason
        raise FileRejected("unreadable_file", f"the reader failed on this file ({type(exc).__name__})") from exc


def _read_export(path: Path, fmt: str, entity: Entity) -> RawFile:
    limit = max_text_bytes()
    if fmt == "xlsx":
        return _read_xlsx(path, entity, limit)
    data = _file_bytes(path, fmt, limit)
    text_bytes, encoding = _as_utf8(data)
    if fmt == "jsonl":
        return _read_jsonl(text_bytes, encoding, entity)
    return _read_csv(text_bytes, encoding, entity)


# --- bytes and encodings -------------------------------------------------------------------------


def too_large(limit: int) -> FileRejected:
    return FileRejected(
        "file_too_large", f"the file holds more than {limit:,} bytes of text (the bound is ${MAX_TEXT_BYTES_ENV})"
    )


def _file_bytes(path: Path, fmt: str, limit: int) -> bytes:
    """The file's bytes, decompressed; reading stops at the bound, so a bomb never expands."""
    with open_regular(path) as handle:
        if fmt != "csv.gz":
            if os.fstat(handle.fileno()).st_size > limit:
                raise too_large(limit)
            return _read_at_most(handle, limit)
        try:
            return _read_at_most(gzip.GzipFile(fileobj=handle), limit)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise FileRejected("corrupt_gzip", f"not a complete gzip stream ({exc})") from exc


def _read_at_most(stream, limit: int, block: int = 1 << 22) -> bytes:
    data = bytearray()
    while chunk := stream.read(block):
        data += chunk
        if len(data) > limit:
            raise too_large(limit)
    return bytes(data)


def _as_utf8(data: bytes) -> tuple[bytes, str]:
    """The file's text as UTF-8 bytes without a BOM, and the encoding it arrived in."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE)):
        raise FileRejected("unsupported_encoding", "UTF-16/UTF-32 text; the contract allows UTF-8 or GB18030")
    sample = data[: 1 << 16]
    if sample.count(b"\x00") > max(1, len(sample) // 1000):
        # a stray NUL in text is that row's control character; many are binary data
        raise FileRejected("binary_file", "the file holds NUL bytes: binary data, not a text export")
    if data.startswith(codecs.BOM_UTF8):
        return _utf8_with_damaged_lines(data[len(codecs.BOM_UTF8) :]), "utf-8-sig"
    try:
        data.decode("utf-8")
        return data, "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030").encode("utf-8"), "gb18030"
    except UnicodeDecodeError:
        pass
    utf8_lines, gb_lines = _lines_decoding(data, "utf-8"), _lines_decoding(data, "gb18030")
    if not utf8_lines and not gb_lines:
        raise FileRejected("unsupported_encoding", "the text is neither UTF-8 nor GB18030")
    encoding = "utf-8" if utf8_lines >= gb_lines else "gb18030"
    return data.decode(encoding, errors="replace").encode("utf-8"), encoding


def _utf8_with_damaged_lines(data: bytes) -> bytes:
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace").encode("utf-8")


def _lines_decoding(data: bytes, encoding: str) -> int:
    """How many lines with non-ASCII bytes decode in ``encoding``: a file of one encoding with a few
    damaged lines is read in that encoding, its damaged rows marked (U+FFFD) and rejected by the parser,
    instead of the whole file being misread in another encoding."""
    count = 0
    for line in data.split(b"\n"):
        if not line.isascii():
            try:
                line.decode(encoding)
                count += 1
            except UnicodeDecodeError:
                pass
    return count


# --- headers -------------------------------------------------------------------------------------


def _map_header(cells: list[str], entity: Entity) -> tuple[list[str | None], list[str]]:
    """Canonical name per header cell (None for unknown cells), and the unknown cells."""
    aliases = entity.header_aliases()
    mapped: list[str | None] = []
    extras: list[str] = []
    seen: set[str] = set()
    for cell in cells:
        name = aliases.get(normalise_header_cell(cell))
        if name is None:
            extras.append(cell.strip())
        elif name in seen:
            raise FileRejected("duplicate_column", f"column {name!r} appears twice in the header", name)
        else:
            seen.add(name)
        mapped.append(name)
    missing = [c for c in entity.required_columns if c not in seen]
    if missing:
        raise FileRejected(
            "required_column_missing",
            f"required column {missing[0]!r} is missing from the header"
            + (f" (also missing: {', '.join(missing[1:])})" if len(missing) > 1 else ""),
            missing[0],
        )
    return mapped, extras


def _canonical_frame(
    columns: list[pl.Series],
    mapped: list[str | None],
    entity: Entity,
    field_count_ok: pl.Series,
    problems: tuple[pl.Series, pl.Series] | None = None,
) -> pl.DataFrame:
    height = field_count_ok.len()
    by_name = {name: col for name, col in zip(mapped, columns) if name is not None}
    frame = pl.DataFrame(
        [
            by_name[c].alias(c) if c in by_name else pl.Series(c, [None] * height, dtype=pl.String)
            for c in entity.column_names
        ]
    )
    reason, column = problems or (pl.repeat(None, height, dtype=pl.String, eager=True),) * 2
    return frame.with_columns(
        pl.int_range(1, height + 1, dtype=pl.Int64).alias(ROW_NUMBER),
        field_count_ok.alias(FIELD_COUNT_OK),
        reason.alias(CELL_PROBLEM),
        column.alias(CELL_PROBLEM_COLUMN),
    )


# --- csv -----------------------------------------------------------------------------------------


def _record_field_counts(data: bytes) -> np.ndarray:
    """Fields per CSV record (RFC 4180: quoted separators and line breaks do not count), blank
    records dropped. Vectorised: a separator or line feed is structural when it follows an even
    number of quote characters."""
    buf = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(buf == ord('"'))
    newlines = np.flatnonzero(buf == ord("\n"))
    commas = np.flatnonzero(buf == ord(","))
    newlines = newlines[(np.searchsorted(quotes, newlines) & 1) == 0]
    commas = commas[(np.searchsorted(quotes, commas) & 1) == 0]
    ends = np.append(newlines, len(buf)) if (len(buf) and buf[-1] != ord("\n")) else newlines
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - starts
    # a record of nothing or a lone carriage return is a blank line, which CSV readers skip
    has_cr = lengths > 0
    has_cr[has_cr] = buf[ends[has_cr] - 1] == ord("\r")
    blank = (lengths == 0) | ((lengths == 1) & has_cr)
    counts = np.diff(np.searchsorted(commas, ends), prepend=0) + 1
    return counts[~blank]


def _read_csv(data: bytes, encoding: str, entity: Entity) -> RawFile:
    if not data.strip():
        raise FileRejected("empty_file", "the file is empty: no header row")
    if b"\n" not in data and b"\r" in data:
        return _read_csv_slowly(data, encoding, entity)  # old Mac line ends: records end in a lone CR
    field_counts = _record_field_counts(data)
    header_cells = next(csv.reader(io.StringIO(data[: data.find(b"\n") + 1 or len(data)].decode("utf-8"))))
    mapped, extras = _map_header(header_cells, entity)
    width = len(header_cells)
    body_counts = field_counts[1:]
    try:
        frame = pl.read_csv(
            data,
            has_header=False,
            skip_rows=1,
            schema={f"c{i}": pl.String for i in range(width)},
            missing_columns="insert",
            truncate_ragged_lines=True,
            infer_schema=False,
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError:
        frame = None
    if frame is None or frame.height != len(body_counts):
        return _read_csv_slowly(data, encoding, entity)
    ok = pl.Series(FIELD_COUNT_OK, body_counts == width)
    return RawFile(_canonical_frame(frame.get_columns(), mapped, entity, ok), encoding, extras)


def _read_csv_slowly(data: bytes, encoding: str, entity: Entity) -> RawFile:
    """Python's csv module for files the fast path cannot split the same way (stray quotes, records
    ending in a lone CR): it ends records at CR, LF or CRLF and keeps quoted line breaks as they are."""
    csv.field_size_limit(max(csv.field_size_limit(), max_text_bytes()))
    try:
        records = [r for r in csv.reader(io.StringIO(data.decode("utf-8"), newline="")) if r]
    except csv.Error as exc:
        raise FileRejected("unparseable_csv", f"the CSV cannot be split into records ({exc})") from exc
    mapped, extras = _map_header(records[0], entity)
    width = len(records[0])
    body = records[1:]
    padded = [(r + [None] * width)[:width] for r in body]
    columns = [pl.Series(f"c{i}", [r[i] for r in padded], dtype=pl.String) for i in range(width)]
    ok = pl.Series(FIELD_COUNT_OK, [len(r) == width for r in body], dtype=pl.Boolean)
    return RawFile(_canonical_frame(columns, mapped, entity, ok), encoding, extras)


# --- jsonl ---------------------------------------------------------------------------------------


def _json_cell(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    return json.dumps(value, ensure_ascii=False)


def _json_records(lines: list[str]) -> list[dict | None]:
    """Each line's object (None where a line is not a JSON object). Numbers keep their text exactly as
    written, so ``4.2000012E+19`` stays recognisable as a damaged id."""
    options = {"parse_float": str, "parse_int": str}
    try:
        records = json.loads("[" + ",".join(lines) + "]", **options)
    except json.JSONDecodeError:
        records = []
        for line in lines:
            try:
                records.append(json.loads(line, **options))
            except json.JSONDecodeError:
                records.append(None)
    return [r if isinstance(r, dict) else None for r in records]


def _read_jsonl(data: bytes, encoding: str, entity: Entity) -> RawFile:
    lines = [line for line in data.decode("utf-8").splitlines() if line.strip()]
    if not lines:
        raise FileRejected("empty_file", "the file is empty: no records")
    records = _json_records(lines)
    ok = pl.Series(FIELD_COUNT_OK, [r is not None for r in records], dtype=pl.Boolean)
    aliases = entity.header_aliases()
    keys = set().union(*(r.keys() for r in records if r is not None))
    mapped = {key: aliases.get(normalise_header_cell(key)) for key in keys}
    extras = sorted(k for k, name in mapped.items() if name is None)
    records = [
        {mapped[k]: v if v is None or isinstance(v, str) else _json_cell(v) for k, v in r.items() if mapped[k]}
        if r is not None
        else {}
        for r in records
    ]
    frame = pl.from_dicts(records, schema={c: pl.String for c in entity.column_names})
    return RawFile(_canonical_frame(frame.get_columns(), list(entity.column_names), entity, ok), encoding, extras)


# --- xlsx ----------------------------------------------------------------------------------------


def _read_xlsx(path: Path, entity: Entity, limit: int) -> RawFile:
    with open_regular(path) as handle:
        if os.fstat(handle.fileno()).st_size > limit:
            raise too_large(limit)
        data = handle.read()
    if only_text_cells(data, limit):
        try:
            return _read_text_xlsx(data, entity)
        except (pl.exceptions.PolarsError, fastexcel.FastExcelError):
            pass  # damage calamine found: the streaming reader names it
    try:
        sheet = read_first_sheet(io.BytesIO(data), limit)
    except XlsxTooLarge as exc:
        raise too_large(limit) from exc
    except XLSX_DAMAGE as exc:
        raise FileRejected("corrupt_xlsx", f"not a readable xlsx workbook ({type(exc).__name__})") from exc
    return _read_streamed_xlsx(sheet, entity)


def _read_streamed_xlsx(sheet: Sheet, entity: Entity) -> RawFile:
    """Cells by kind: text as it is, numbers as exact text or a row problem, dates in the column's form."""
    if not sheet.rows:
        raise FileRejected("empty_file", "the first sheet is empty: no header row")
    first = min(min(row) for row in sheet.rows)
    header_row, *body = sheet.rows
    header_cells = [header_row[c][1] if c in header_row else "" for c in range(first, max(header_row) + 1)]
    mapped, extras = _map_header(header_cells, entity)
    columns = {c.name: c for c in entity.columns}
    targets = {first + i: columns[name] for i, name in enumerate(mapped) if name is not None}
    end = first + len(header_cells)
    texts: dict[int, list[str | None]] = {index: [] for index in targets}
    ok, reasons, problem_columns = [], [], []
    for row in body:
        problem = None
        for index, column in targets.items():
            text, why = _xlsx_text(row.get(index), column.type, sheet.date1904)
            texts[index].append(text)
            if why and problem is None:
                problem = (why, column.name)
        ok.append(all(c < end for c in row))
        reasons.append(problem and problem[0])
        problem_columns.append(problem and problem[1])
    series = [pl.Series(f"c{i}", texts.get(first + i, [None] * len(body)), dtype=pl.String) for i in range(len(header_cells))]
    problems = (pl.Series(CELL_PROBLEM, reasons, dtype=pl.String), pl.Series(CELL_PROBLEM_COLUMN, problem_columns, dtype=pl.String))
    return RawFile(_canonical_frame(series, mapped, entity, pl.Series(FIELD_COUNT_OK, ok, dtype=pl.Boolean), problems), "xlsx", extras)


def _read_text_xlsx(data: bytes, entity: Entity) -> RawFile:
    """A workbook of text cells only, read by calamine, with what the streaming reader does: blank rows
    skipped, cells right of the header's last cell make a wrong field count."""
    sheet = pl.read_excel(data, engine="calamine", has_header=False, infer_schema_length=0, raise_if_empty=False)
    sheet = sheet.with_columns(pl.all().cast(pl.String).replace("", None))
    sheet = sheet.filter(~pl.all_horizontal(pl.all().is_null())) if sheet.width else sheet
    if sheet.height == 0:
        raise FileRejected("empty_file", "the first sheet is empty: no header row")
    header = list(sheet.row(0))
    width = max(i for i, v in enumerate(header) if v is not None) + 1
    mapped, extras = _map_header(["" if v is None else v for v in header[:width]], entity)
    body = sheet.slice(1)
    beyond = body.columns[width:]
    ok = body.select(pl.all_horizontal(pl.col(beyond).is_null()) if beyond else pl.repeat(True, body.height)).to_series()
    return RawFile(_canonical_frame(body.get_columns()[:width], mapped, entity, ok.alias(FIELD_COUNT_OK)), "xlsx", extras)


# A double holds every integer up to 2**53 exactly; beyond, Excel has already changed the digits.
_EXACT_INTEGERS = 2**53
_EXCEL_EPOCH = {False: datetime(1899, 12, 30), True: datetime(1904, 1, 1)}


def _xlsx_text(cell: tuple[str, str] | None, column_type: str, date1904: bool) -> tuple[str | None, str | None]:
    """A cell as the text the parser types, or the reason it cannot be kept exactly."""
    if cell is None:
        return None, None
    kind, text = cell
    match kind:
        case "text" | "bool":
            return text, None
        case "formula":
            return None, "formula_without_value"
        case "error":
            return text, "cell_error"
    try:
        number = float(text)
    except ValueError:
        return text, None  # not a number after all: the parser types the text
    if not math.isfinite(number) or abs(number) > _EXACT_INTEGERS:
        return text, "numeric_precision_lost"
    if kind == "date":
        moment = _EXCEL_EPOCH[date1904] + timedelta(seconds=round(number * 86400))
        return moment.strftime("%Y-%m-%d" if column_type in ("date", "partial_date") else "%Y-%m-%d %H:%M:%S"), None
    return (str(int(number)) if number.is_integer() else repr(number)), None
