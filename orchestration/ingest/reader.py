"""One generic reader: any export file (csv, csv.gz, xlsx, jsonl) into a frame of raw text cells.

The result has one column per canonical column of the entity (text as it was in the file, or null when
the file lacks the column), a ``_row_number`` (the data record after the header, from 1) and a
``_field_count_ok`` flag. Typing and row rejection happen in ``parse``; what makes a whole file
unreadable raises :class:`FileRejected`.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from .schema import Entity, normalise_header_cell

ROW_NUMBER = "_row_number"
FIELD_COUNT_OK = "_field_count_ok"


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
    if fmt == "xlsx":
        return _read_xlsx(path, entity)
    data = _file_bytes(path, fmt)
    text_bytes, encoding = _as_utf8(data)
    if fmt == "jsonl":
        return _read_jsonl(text_bytes, encoding, entity)
    return _read_csv(text_bytes, encoding, entity)


# --- bytes and encodings -------------------------------------------------------------------------


def _file_bytes(path: Path, fmt: str) -> bytes:
    data = path.read_bytes()
    if fmt != "csv.gz":
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise FileRejected("corrupt_gzip", f"not a complete gzip stream ({exc})") from exc


def _as_utf8(data: bytes) -> tuple[bytes, str]:
    """The file's text as UTF-8 bytes without a BOM, and the encoding it arrived in."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE)):
        raise FileRejected("unsupported_encoding", "UTF-16/UTF-32 text; the contract allows UTF-8 or GB18030")
    if b"\x00" in data[: 1 << 16]:
        raise FileRejected("binary_file", "the file holds NUL bytes: binary data, not a text export")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
        _decode_or_reject(data, "utf-8")
        return data, "utf-8-sig"
    try:
        data.decode("utf-8")
        return data, "utf-8"
    except UnicodeDecodeError:
        pass
    text = _decode_or_reject(data, "gb18030")
    return text.encode("utf-8"), "gb18030"


def _decode_or_reject(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise FileRejected(
            "unsupported_encoding",
            f"bytes at offset {exc.start} are neither UTF-8 nor GB18030",
        ) from exc


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
    columns: list[pl.Series], mapped: list[str | None], entity: Entity, field_count_ok: pl.Series
) -> pl.DataFrame:
    height = field_count_ok.len()
    by_name = {name: col for name, col in zip(mapped, columns) if name is not None}
    frame = pl.DataFrame(
        [
            by_name[c].alias(c) if c in by_name else pl.Series(c, [None] * height, dtype=pl.String)
            for c in entity.column_names
        ]
    )
    return frame.with_columns(
        pl.int_range(1, height + 1, dtype=pl.Int64).alias(ROW_NUMBER),
        field_count_ok.alias(FIELD_COUNT_OK),
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
        return _read_csv_slowly(data, encoding, entity, mapped, extras, width)
    ok = pl.Series(FIELD_COUNT_OK, body_counts == width)
    return RawFile(_canonical_frame(frame.get_columns(), mapped, entity, ok), encoding, extras)


def _read_csv_slowly(
    data: bytes, encoding: str, entity: Entity, mapped: list[str | None], extras: list[str], width: int
) -> RawFile:
    """Python's csv module for files the fast path cannot split the same way (stray quotes)."""
    records = [r for r in csv.reader(io.StringIO(data.decode("utf-8"), newline="")) if r]
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


def _read_xlsx(path: Path, entity: Entity) -> RawFile:
    try:
        sheet = pl.read_excel(
            path,
            engine="calamine",
            has_header=False,
            infer_schema_length=0,
            raise_if_empty=False,
        )
    except Exception as exc:  # fastexcel raises its own error types for every kind of damage
        raise FileRejected("corrupt_xlsx", f"not a readable xlsx workbook ({type(exc).__name__}: {exc})") from exc
    if sheet.height == 0:
        raise FileRejected("empty_file", "the first sheet is empty: no header row")
    sheet = sheet.with_columns(pl.all().cast(pl.String))
    header_cells = ["" if v is None else str(v) for v in sheet.row(0)]
    mapped, extras = _map_header(header_cells, entity)
    body = sheet.slice(1)
    ok = pl.Series(FIELD_COUNT_OK, [True] * body.height, dtype=pl.Boolean)
    return RawFile(_canonical_frame(body.get_columns(), mapped, entity, ok), "xlsx", extras)
