"""Writes an entity's versions as daily export files and records the bad rows it planted.

Layout: ``<landing>/<channel>/<entity>/<YYYY-MM-DD>[suffix].<ext>``. One file per day with changes; now and
then a day in two parts (``_part2``, split by record so a record's versions stay together), a file
delivered twice (``_resend``, the same bytes), or a console export that lacks a required column
(``_manual_export.csv``, rejected as a whole).
"""

from __future__ import annotations

import gzip
import io
import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl
import xlsxwriter

from .context import Context
from .quirks import (
    CSV_ONLY,
    FileStyle,
    StyleDecks,
    choose_bad_rows,
    column_order,
    eligible_kinds,
    extra_column_values,
    header_cells,
    plant_bad_rows,
    render,
)
from .rand import pick
from .records import Built
from .spec import Entity

# kinds of bad rows each entity shows at least once, so that a small data set still has every kind
FORCED_BAD_KINDS = {
    "miniprogram/users": ["wrong_field_count", "unparseable_timestamp"],
    "miniprogram/orders": ["scientific_order_id", "unparseable_amount"],
    "miniprogram/sharers": ["required_missing"],
    "channels/orders": ["unparseable_amount", "scientific_order_id"],
    "wecom/contacts": ["unparseable_number"],
    "official_account/followers": ["required_missing", "unparseable_timestamp"],
    "app/users": ["wrong_field_count", "required_missing"],
    "app/orders": ["unparseable_number"],
    "web/customers": ["unparseable_timestamp"],
    "web/orders": ["unparseable_amount"],
    "crm/members": ["required_missing", "unparseable_number"],
    "touchpoints/messages": ["unparseable_timestamp"],
}
XLSX_CREATED = datetime(2026, 1, 1)  # fixed, so that the same arguments give the same bytes


@dataclass
class FileReport:
    path: str  # relative to the landing folder
    rows: int  # data records, bad ones included
    bad: list[tuple[int, str, str, str]] = field(default_factory=list)  # row, reason, column, record_key


class LandingWriter:
    def __init__(self, ctx: Context, landing: Path, manual_exports: dict[str, int]):
        self.ctx = ctx
        self.landing = landing
        self.rng = ctx.rng("files")
        self.decks = StyleDecks(self.rng, ctx.mix)
        self.manual_exports = manual_exports  # entity folder -> the day its manual export covers
        self.reports: list[FileReport] = []

    def write_entity(self, built: Built) -> None:
        entity, versions = built.entity, built.versions
        if versions.height == 0:
            return
        pending = list(FORCED_BAD_KINDS.get(entity.folder, []))
        by_day = versions.partition_by("_day", as_dict=True, maintain_order=True)
        days = sorted(k[0] for k in by_day)
        manual_day = self._manual_day(entity, days)
        for day in days:
            rows = by_day[(day,)]
            parts = self._split(rows)
            for i, part in enumerate(parts):
                suffix = "" if i == 0 else "_part2"
                self._write_file(entity, part, day, suffix, pending)
                if day == manual_day and i == 0:
                    self._write_manual_export(entity, part, day)

    # --- layout ---------------------------------------------------------------------------------------

    def _manual_day(self, entity: Entity, days: list[int]) -> int | None:
        wanted = self.manual_exports.get(entity.folder)
        if wanted is None:
            return None
        later = [d for d in days if d >= wanted]
        return later[0] if later else days[-1]

    def _split(self, rows: pl.DataFrame) -> list[pl.DataFrame]:
        if rows["_rec"].n_unique() < 2 or not self.decks.split_in_two():
            return [rows]
        # by record, so that all versions of one record land in the same part
        second = ((pl.col("_rec") * 2654435761) // 1024) % 2 == 1
        parts = [rows.filter(~second), rows.filter(second)]
        return [p for p in parts if p.height] or [rows]

    def _path(self, entity: Entity, day: int, suffix: str, style: FileStyle) -> Path:
        name = f"{self.ctx.file_date(day).isoformat()}{suffix}.{style.format}"
        return self.landing / entity.folder / name

    # --- one file ------------------------------------------------------------------------------------------

    def _write_file(self, entity: Entity, rows: pl.DataFrame, day: int, suffix: str, pending: list[str]) -> None:
        rows = rows.sort("_t", "_rec", "_key")
        style = self.decks.draw(entity, rows, force_csv=any(k in CSV_ONLY for k in pending))
        cells = render(entity, rows, style, self.rng, self.ctx.mix, self.decks)
        columns = column_order(entity, style, self.rng)
        if style.extra_column:
            cells = cells.with_columns(extra_column_values(self.rng, cells.height, self.ctx.mix).alias(style.extra_column))
        bad = choose_bad_rows(entity, cells, style, self._bad_kinds(entity, style, rows.height, pending), self.rng,
                              self.ctx.mix)
        # a wrong field count: the row loses its last field or gains one after it
        field_counts = {b.value: (bool(self.rng.random() < 0.5), cells[columns[-1]][b.row])
                        for b in bad if b.reason == "wrong_field_count"}
        cells, numbered = plant_bad_rows(cells, bad, style, last_column=columns[-1])
        header = header_cells(entity, columns, style, self.rng)
        path = self._path(entity, day, suffix, style)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_cells(path, cells.select(columns), header, style, field_counts, self.ctx.mix.bad.extra_field)
        keys = rows["_key"]
        report = FileReport(self._relative(path), cells.height,
                            [(number, b.reason, b.column, keys[b.row]) for number, b in numbered])
        self.reports.append(report)
        if self.decks.resend():
            copy = path.with_name(path.name.replace(f"{suffix}.", f"{suffix}_resend.", 1))
            shutil.copyfile(path, copy)
            self.reports.append(FileReport(self._relative(copy), report.rows, list(report.bad)))

    def _bad_kinds(self, entity: Entity, style: FileStyle, n_rows: int, pending: list[str]) -> list[str]:
        allowed = eligible_kinds(entity, style)
        forced = [k for k in pending if k in allowed]
        for k in forced:
            pending.remove(k)
        weights = {k: w for k, w in self.ctx.mix.bad.kinds.items() if k in allowed}
        extra = int(self.rng.binomial(n_rows, self.ctx.mix.bad.rate))
        return forced + [str(k) for k in pick(self.rng, weights, extra)]

    def _write_manual_export(self, entity: Entity, rows: pl.DataFrame, day: int) -> None:
        """A console export that lost a required column: the whole file is rejected."""
        required = [c.name for c in entity.cols if c.required and c.name not in entity.key]
        missing = entity.update_col if entity.update_col in required else required[-1]
        style = self.decks.draw(entity, rows, force_csv=True)
        style = FileStyle(**{**style.__dict__, "format": "csv", "extra_column": None})
        cells = render(entity, rows.sort("_t", "_rec", "_key"), style, self.rng, self.ctx.mix, self.decks)
        columns = [c for c in column_order(entity, style, self.rng) if c != missing]
        path = self.landing / entity.folder / f"{self.ctx.file_date(day).isoformat()}_manual_export.csv"
        write_cells(path, cells.select(columns), header_cells(entity, columns, style, self.rng), style, {}, "")
        # (a manual export is never a resend and carries no row-level bad rows)
        self.reports.append(FileReport(self._relative(path), cells.height, [(0, "required_column_missing", missing, "")]))

    def _relative(self, path: Path) -> str:
        return path.relative_to(self.landing).as_posix()


# --- serialisation --------------------------------------------------------------------------------------


def write_cells(path: Path, cells: pl.DataFrame, header: list[str], style: FileStyle,
                field_counts: dict[str, tuple[bool, str | None]], extra_field: str) -> None:
    """``field_counts``: sentinel -> (drop the last field?, the last field's true value)."""
    match style.format:
        case "csv" | "csv.gz":
            data = csv_bytes(cells, header, style, field_counts, extra_field)
            if style.format == "csv.gz":
                data = gzip.compress(data, compresslevel=3, mtime=0)
            path.write_bytes(data)
        case "xlsx":
            write_xlsx(path, cells, header)
        case "jsonl":
            path.write_bytes(jsonl_bytes(cells))


def csv_bytes(cells: pl.DataFrame, header: list[str], style: FileStyle,
              field_counts: dict[str, tuple[bool, str | None]], extra_field: str) -> bytes:
    frame = pl.DataFrame([s.alias(h) for s, h in zip(cells.iter_columns(), header)])
    buffer = io.BytesIO()
    frame.write_csv(buffer, quote_style=style.quoting, line_terminator=style.line_ending)
    data = buffer.getvalue()
    if field_counts:
        data = _wrong_field_counts(data, field_counts, style.quoting, extra_field)
    match style.encoding:
        case "utf-8-sig":
            return b"\xef\xbb\xbf" + data
        case "gb18030":
            return data.decode("utf-8").encode("gb18030")
    return data


def _csv_field(value: str | None, quoting: str) -> str:
    if quoting == "always":
        return '"' + (value or "").replace('"', '""') + '"'
    if value is None:
        return ""
    if any(ch in value for ch in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _wrong_field_counts(data: bytes, field_counts: dict[str, tuple[bool, str | None]], quoting: str,
                        extra_field: str) -> bytes:
    """Replace each sentinel (a bad row's last cell, with the comma before it) by one field too few, or by
    the true value and one field more. One pass over the bytes, however many bad rows."""
    pattern = re.compile(rb',"?(\x1eWFC\d+\x1e)"?')

    def replace(match: re.Match) -> bytes:
        drop, original = field_counts[match.group(1).decode()]
        if drop:
            return b""
        return ("," + _csv_field(original, quoting) + "," + _csv_field(extra_field, quoting)).encode()

    return pattern.sub(replace, data)


def write_xlsx(path: Path, cells: pl.DataFrame, header: list[str]) -> None:
    """First sheet, every cell a text cell so that long ids keep their digits."""
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                               "strings_to_formulas": False, "strings_to_urls": False})
    workbook.set_properties({"created": XLSX_CREATED})
    sheet = workbook.add_worksheet("Sheet1")
    sheet.write_row(0, 0, header)
    for r, row in enumerate(cells.iter_rows(), start=1):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write_string(r, c, value)
    workbook.close()


def jsonl_bytes(cells: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    cells.write_ndjson(buffer)
    return buffer.getvalue()


def bad_rows_frame(reports: list[FileReport]) -> pl.DataFrame:
    rows = [(r.path, n, reason, column, key) for r in reports for n, reason, column, key in r.bad]
    frame = pl.DataFrame(rows, schema={"file": pl.String, "row": pl.Int64, "reason": pl.String, "column": pl.String,
                                       "record_key": pl.String}, orient="row")
    return frame.sort("file", "row")


