"""How each export file looks in the wild, and the bad rows planted in it.

A :class:`FileStyle` holds the choices made once per file (format, encoding, header, timestamp form, missing
value token, ...). :func:`render` turns an entity's typed rows into the cells of one file in that style,
drawing per-cell variants (phones, emails, money) as it goes. :func:`plant_bad_rows` adds corrupted copies
of a few rows next to the rows they copy, each bad in exactly one way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from .formats import (
    EMAIL_VARIANTS,
    PHONE_VARIANTS,
    TS_FORMATS,
    date_text,
    email_any,
    month_day_text,
    phone_any,
    timestamp,
    yuan_text,
)
from .mix import Mix
from .rand import Deck, chance
from .spec import Entity

NULL_TOKENS = ("", "NULL", "null", "None", "-", "N/A", "\\N")
CRM_GENDER = {"zh": ("未知", "男", "女"), "letters": ("U", "M", "F"), "digits": ("0", "1", "2")}
CRM_BOOL = {"digits": ("0", "1"), "truefalse": ("false", "true"), "yn": ("N", "Y"), "zh": ("否", "是")}
SENTINEL = "\x1eWFC{}\x1e"  # stands in a wrong-field-count row's last cell until the bytes are written


@dataclass(frozen=True)
class FileStyle:
    format: str  # csv, csv.gz, xlsx, jsonl
    encoding: str = "utf-8"  # utf-8, utf-8-sig, gb18030 (csv only)
    line_ending: str = "\n"
    quoting: str = "necessary"  # or "always"
    header: str = "canonical"  # canonical, zh, mixed
    header_spaces: bool = False
    shuffled: bool = False
    extra_column: str | None = None
    ts_format: str = "dash"  # or "mixed": every cell draws its own form
    date_format: str = "dash"
    null_token: str = ""  # or "mixed"
    id_marker: str = "none"  # none, apostrophe, formula, apostrophe_all
    numbers_as_strings: bool = False  # jsonl
    gender_vocab: str = "zh"
    bool_vocab: str = "digits"
    tagid_brackets: bool = False

    @property
    def is_csv(self) -> bool:
        return self.format in ("csv", "csv.gz")


class StyleDecks:
    """Draws file styles so that every variant appears early and the mix follows the rates."""

    def __init__(self, rng: np.random.Generator, mix: Mix):
        f = mix.files
        self.rng, self.mix = rng, mix
        self.decks = {
            "format": Deck(rng, f.formats), "encoding": Deck(rng, f.encodings), "line_ending": Deck(rng, f.line_endings),
            "quoting": Deck(rng, f.quoting), "header": Deck(rng, f.header_styles), "ts": Deck(rng, f.ts_formats),
            "date": Deck(rng, f.date_formats), "month_day": Deck(rng, mix.cells.month_day_formats),
            "null": Deck(rng, f.null_tokens), "marker": Deck(rng, f.id_markers), "gender": Deck(rng, f.crm_gender_vocab),
            "bool": Deck(rng, f.crm_bool_vocab),
            # per-cell variants, dealt like cards so that rare forms show up even in small sets
            "phone": Deck(rng, {k: mix.cells.phone_variants.get(k, 0) for k in PHONE_VARIANTS}),
            "email": Deck(rng, {k: mix.cells.email_variants.get(k, 0) for k in EMAIL_VARIANTS}),
            "yuan": Deck(rng, mix.cells.yuan_prefixes),
            "thousands": Deck(rng, {0: 1 - mix.cells.p_yuan_thousands, 1: mix.cells.p_yuan_thousands}),
            "part2": Deck(rng, {True: f.p_part2, False: 1 - f.p_part2}),
            "resend": Deck(rng, {True: f.p_resend, False: 1 - f.p_resend}),
        }

    def draw(self, entity: Entity, rows: pl.DataFrame, force_csv: bool = False) -> FileStyle:
        f, rng = self.mix.files, self.rng
        cells = (rows.height + 1) * (len(entity.cols) + 1)

        def format_ok(option: str) -> bool:
            return (option in ("csv", "csv.gz")) if force_csv else (option != "xlsx" or cells <= f.xlsx_max_cells)

        fmt = self.decks["format"].draw(format_ok)
        csv_like = fmt in ("csv", "csv.gz")
        shown = {c.type for c in entity.cols if rows[c.name].null_count() < rows.height}
        shown |= {c.role for c in entity.cols if rows[c.name].null_count() < rows.height}
        # a deck is only drawn from when the file shows the choice, so that small sets show every one
        deck = lambda name, applies, default: self.decks[name].draw() if applies else default  # noqa: E731
        return FileStyle(
            format=fmt,
            encoding=deck("encoding", csv_like, "utf-8"),
            line_ending=deck("line_ending", csv_like, "\n"),
            quoting=deck("quoting", csv_like, "necessary"),
            header=deck("header", fmt != "jsonl", "canonical"),
            header_spaces=fmt != "jsonl" and rng.random() < f.p_header_spaces,
            shuffled=rng.random() < (f.p_jsonl_shuffled_keys if fmt == "jsonl" else f.p_shuffled_columns),
            extra_column=(f.extra_column_names[rng.integers(len(f.extra_column_names))]
                          if rng.random() < f.p_extra_column else None),
            ts_format=self.decks["ts"].draw(),
            date_format=deck("date", bool(shown & {"date", "partial_date"}), "dash"),
            null_token=deck("null", csv_like, ""),
            id_marker=deck("marker", csv_like and "id" in shown, "none"),
            numbers_as_strings=fmt == "jsonl" and rng.random() < f.p_jsonl_numbers_as_strings,
            gender_vocab=deck("gender", "gender_text" in shown, "digits"),
            bool_vocab=deck("bool", "bool_text" in shown, "digits"),
            tagid_brackets=rng.random() < f.p_tagid_brackets,
        )

    def deal(self, name: str, visible: np.ndarray) -> pl.Series:
        """Per-cell variant indices, dealt from a deck to the cells where the variant shows (0 elsewhere)."""
        indices = np.zeros(len(visible), dtype=np.int64)
        indices[visible] = self.decks[name].draw_indices(int(visible.sum()))
        return pl.Series(indices)

    def split_in_two(self) -> bool:
        return self.decks["part2"].draw()

    def resend(self) -> bool:
        return self.decks["resend"].draw()


# --- values -> cells ----------------------------------------------------------------------------------


def _timestamp_cells(col: pl.Expr, style: FileStyle, rng: np.random.Generator, n: int) -> pl.Expr:
    if style.ts_format != "mixed":
        return timestamp(col, style.ts_format)
    which = pl.lit(pl.Series(rng.integers(0, len(TS_FORMATS), n)))
    expr = pl.when(which == 0).then(timestamp(col, TS_FORMATS[0]))
    for i, fmt in enumerate(TS_FORMATS[1:], start=1):
        expr = expr.when(which == i).then(timestamp(col, fmt))
    return expr


def _date_cells(col: pl.Expr, values: pl.Series, style: FileStyle, decks: StyleDecks, partial: bool) -> pl.Expr:
    """A partial date (a birthday) held as ``--MM-DD`` is written month and day only, in a form dealt per cell."""
    full = date_text(col, style.date_format)
    if not partial:
        return full
    month_day = values.str.starts_with("--").fill_null(False).to_numpy()
    form = pl.lit(decks.deal("month_day", month_day))
    forms = list(decks.decks["month_day"].options)
    return (pl.when(~col.str.starts_with("--")).then(full)
            .when(form == 0).then(month_day_text(col, forms[0]))
            .otherwise(month_day_text(col, forms[1])))


def _vocab(col: pl.Expr, words: tuple[str, ...]) -> pl.Expr:
    return col.cast(pl.Int64).replace_strict(list(range(len(words))), list(words), return_dtype=pl.String)


def _id_marker(col: pl.Expr, style: FileStyle, rng: np.random.Generator, n: int, rate: float) -> pl.Expr:
    if style.id_marker == "none":
        return col
    if style.id_marker == "apostrophe_all":
        return "'" + col
    marked = chance(rng, rate, n)
    marked[rng.integers(n)] = True  # a marked file shows at least one marker
    wrapped = ("'" + col) if style.id_marker == "apostrophe" else ('="' + col + '"')
    return pl.when(pl.lit(pl.Series(marked))).then(wrapped).otherwise(col)


def _yuan_cells(col: pl.Expr, values: pl.Series, decks: StyleDecks, rng: np.random.Generator, mix: Mix) -> pl.Expr:
    cells = mix.cells
    n = len(values)
    present = values.is_not_null().to_numpy()
    prefixes = pl.Series(list(cells.yuan_prefixes), dtype=pl.String)
    prefix = prefixes.gather(decks.deal("yuan", present))
    big = (values >= 100_000).fill_null(False).to_numpy()
    thousands = decks.deal("thousands", big).cast(pl.Boolean)
    return yuan_text(col, pl.lit(prefix), pl.lit(thousands), pl.lit(pl.Series(chance(rng, cells.p_yuan_no_decimals, n))))


def cell_expr(entity: Entity, name: str, values: pl.Series, style: FileStyle, rng: np.random.Generator, mix: Mix,
              decks: StyleDecks) -> pl.Expr:
    """One column of typed values as the text (or, in jsonl, the JSON value) a file carries."""
    col_spec = entity.col(name)
    col = pl.col(name)
    n = len(values)
    typed_number = style.format == "jsonl" and not style.numbers_as_strings
    match col_spec.type:
        case "ts":
            return _timestamp_cells(col, style, rng, n)
        case "date" | "partial_date":
            return _date_cells(col, values, style, decks, col_spec.type == "partial_date")
        case "int" | "fen":
            return col if typed_number else col.cast(pl.String)
        case "yuan":
            return _yuan_cells(col, values, decks, rng, mix)
        case "bool01":
            if col_spec.role == "bool_text":
                return _vocab(col, CRM_BOOL[style.bool_vocab])
            return col.cast(pl.String)
    match col_spec.role:
        case "gender_text":
            return _vocab(col, CRM_GENDER[style.gender_vocab])
        case "tagids":
            return pl.when(pl.lit(style.tagid_brackets)).then("[" + col + "]").otherwise(col)
        case "phone":
            mobile = values.str.contains(r"^1\d{10}$").fill_null(False).to_numpy()
            return phone_any(col, pl.lit(decks.deal("phone", mobile)))
        case "email":
            return email_any(col, pl.lit(decks.deal("email", values.is_not_null().to_numpy())))
        case "id" if style.is_csv:
            return _id_marker(col.cast(pl.String), style, rng, n, mix.files.id_marker_row_rate)
    return col.cast(pl.String)


def _missing_tokens(style: FileStyle, rng: np.random.Generator, n: int) -> pl.Expr | None:
    """What a missing cell holds; None means an empty cell."""
    if style.null_token == "mixed":  # an empty token stays null, so the cell is written empty, not as ""
        tokens = pl.Series([t or None for t in NULL_TOKENS], dtype=pl.String)
        return pl.lit(tokens.gather(rng.integers(0, len(NULL_TOKENS), n)))
    return None if style.null_token == "" else pl.lit(style.null_token)


def render(entity: Entity, rows: pl.DataFrame, style: FileStyle, rng: np.random.Generator, mix: Mix,
           decks: StyleDecks) -> pl.DataFrame:
    """The file's cells: canonical columns (in contract order) dressed in ``style``, plus ``_key``."""
    n = rows.height
    exprs = []
    for name in entity.names:
        expr = cell_expr(entity, name, rows[name], style, rng, mix, decks)
        token = _missing_tokens(style, rng, n) if style.is_csv else None
        if token is not None:
            expr = pl.when(pl.col(name).is_null()).then(token).otherwise(expr.cast(pl.String))
        exprs.append(expr.alias(name))
    return rows.select(*exprs, "_key")


# --- bad rows -----------------------------------------------------------------------------------------

CSV_ONLY = {"wrong_field_count"}


def eligible_kinds(entity: Entity, style: FileStyle) -> list[str]:
    kinds = ["required_missing", "unparseable_timestamp"]
    if style.is_csv:
        kinds.append("wrong_field_count")
    if entity.of_type("fen", "yuan"):
        kinds.append("unparseable_amount")
    if entity.of_type("int"):
        kinds.append("unparseable_number")
    if entity.name == "orders":
        kinds.append("scientific_order_id")
    return kinds


@dataclass(frozen=True)
class BadRow:
    row: int  # 0-based position of the good row it copies
    reason: str
    column: str  # canonical column, "" for wrong_field_count
    value: str | None  # the corrupted cell (None: missing)
    before: bool  # placed before the good row, else after


def choose_bad_rows(entity: Entity, cells: pl.DataFrame, style: FileStyle, kinds: list[str],
                    rng: np.random.Generator, mix: Mix) -> list[BadRow]:
    """One corrupted copy per kind, each of a different row, each bad in exactly one way."""
    bad = mix.bad
    n = cells.height
    rows = rng.choice(n, size=min(len(kinds), n), replace=False)
    chosen = []
    for j, (row, kind) in enumerate(zip(rows, kinds)):
        before = bool(rng.random() < 0.5)
        match kind:
            case "wrong_field_count":
                chosen.append(BadRow(int(row), kind, "", SENTINEL.format(j), before))
            case "required_missing":
                column = _pick(rng, [c.name for c in entity.cols if c.required])
                chosen.append(BadRow(int(row), kind, column, missing_cell(style), before))
            case "unparseable_timestamp":
                column = _pick(rng, [c.name for c in entity.of_type("ts")])
                chosen.append(BadRow(int(row), kind, column, _pick(rng, bad.bad_timestamps), before))
            case "unparseable_amount":
                column = _pick(rng, [c.name for c in entity.of_type("fen", "yuan")])
                chosen.append(BadRow(int(row), kind, column, _pick(rng, bad.bad_amounts), before))
            case "unparseable_number":
                column = _pick(rng, [c.name for c in entity.of_type("int")])
                chosen.append(BadRow(int(row), kind, column, _pick(rng, bad.bad_numbers), before))
            case "scientific_order_id":
                order_id = cells["_key"][int(row)].split("|")[0]
                digits = int(rng.integers(10, 14))
                value = f"{order_id[0]}.{order_id[1:digits]}E+{len(order_id) - 1}"
                chosen.append(BadRow(int(row), kind, "order_id", value, before))
    return chosen


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def plant_bad_rows(cells: pl.DataFrame, bad_rows: list[BadRow], style: FileStyle,
                   last_column: str) -> tuple[pl.DataFrame, list[tuple[int, BadRow]]]:
    """Insert the corrupted copies; returns the cells and each bad row's 1-based record number."""
    if not bad_rows:
        return cells, []
    n = cells.height
    good = cells.with_columns((pl.int_range(n, dtype=pl.Int64) * 3 + 1).alias("_pos"))
    copies = []
    for bad in bad_rows:
        copy = cells.slice(bad.row, 1)
        column = last_column if bad.reason == "wrong_field_count" else bad.column
        dtype = copy.schema[column]
        value = bad.value
        if value is not None and dtype != pl.String:
            copy = copy.with_columns(pl.col(column).cast(pl.String))
        copy = copy.with_columns(pl.lit(value, dtype=pl.String if value is not None or dtype == pl.String else dtype)
                                 .alias(column))
        copies.append(copy.with_columns(pl.lit(bad.row * 3 + (0 if bad.before else 2), pl.Int64).alias("_pos")))
    combined = pl.concat([good] + copies, how="diagonal_relaxed").sort("_pos")
    positions = combined["_pos"].to_list()
    index = {p: i for i, p in enumerate(positions)}
    numbered = [(index[b.row * 3 + (0 if b.before else 2)] + 1, b) for b in bad_rows]
    return combined.drop("_pos"), numbered


def missing_cell(style: FileStyle) -> str | None:
    """The text a required value that went missing shows in this file."""
    if style.null_token in ("", "mixed") or not style.is_csv:
        return None
    return style.null_token


def header_cells(entity: Entity, columns: list[str], style: FileStyle, rng: np.random.Generator) -> list[str]:
    """Canonical names or Chinese aliases (one style per file, or mixed per cell), sometimes padded."""
    cells = []
    for name in columns:
        if name not in entity.names:
            cells.append(name)  # an unknown extra column keeps its own name
            continue
        zh = entity.col(name).zh
        use_zh = style.header == "zh" or (style.header == "mixed" and rng.random() < 0.5)
        cell = zh if use_zh else name
        if style.header_spaces and rng.random() < 0.3:
            cell = (" " + cell, cell + " ", " " + cell + " ")[int(rng.integers(3))]
        cells.append(cell)
    return cells


def column_order(entity: Entity, style: FileStyle, rng: np.random.Generator) -> list[str]:
    names = list(entity.names)
    if style.shuffled:
        names = [names[i] for i in rng.permutation(len(names))]
    if style.extra_column:
        names.insert(int(rng.integers(0, len(names) + 1)), style.extra_column)
    return names


def extra_column_values(rng: np.random.Generator, n: int, mix: Mix) -> pl.Series:
    values = pl.Series(list(mix.files.extra_column_values), dtype=pl.String)
    return values.gather(rng.integers(0, len(values), n))

