"""Typed parsing of raw text cells, vectorised in polars, with one reason per rejected row.

Every column type of the contract has a parser (text -> typed value, null when it does not parse) and
the reason code a row gets when a non-missing cell fails it. Rows with any failure are rejected with
the first failure in column order; wrong field counts and missing required values come first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from .reader import CELL_PROBLEM, CELL_PROBLEM_COLUMN, FIELD_COUNT_OK, ROW_NUMBER
from .schema import Column, Entity

MISSING_TOKENS = ["", "NULL", "null", "None", "-", "N/A", "\\N"]
LOCAL_TIME_ZONE = "Asia/Shanghai"
UTC_MICROS = pl.Datetime("us", "UTC")

TYPE_FAILURE_REASON = {
    "int": "unparseable_number",
    "fen": "unparseable_amount",
    "yuan": "unparseable_amount",
    "ts": "unparseable_timestamp",
    "date": "unparseable_date",
    "partial_date": "unparseable_date",
    "bool01": "unparseable_bool",
    "enum": "invalid_enum_value",
}

_TRUE = ["1", "true", "y", "yes", "是", "t"]
_FALSE = ["0", "false", "n", "no", "否", "f"]
# How Excel, float serialisers and people write a long number that lost its digits: 4.2000012E+19,
# 4.2e19, 42E18. A hex id (``id: hex``) can look like the last form, never like one with a decimal
# point or an exponent sign.
_SCIENTIFIC = {
    "any": r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$",
    "hex": r"^[+-]?\d+(\.\d+[eE][+-]?|[eE][+-])\d+$",
}
# A value holding these cannot be kept as it was: text that did not decode (U+FFFD replaced its bytes),
# and control characters (tab, line feed and carriage return are text; the rest are damage).
_UNDECODABLE = "\ufffd"
_CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
# Reasons of a value that cannot be kept exactly; a row's first such problem wins over any other.
UNKEEPABLE = ("invalid_encoding", "control_character")


@dataclass
class ParsedFile:
    rows: pl.DataFrame  # typed, canonical columns plus _row_number
    rejects: pl.DataFrame  # _row_number, reason, column, record_key, raw_text


def clean_text(expr: pl.Expr) -> pl.Expr:
    """Trim, and turn every missing-value token into null."""
    trimmed = expr.str.strip_chars()
    return pl.when(trimmed.is_in(MISSING_TOKENS)).then(None).otherwise(trimmed)


def strip_excel_marker(expr: pl.Expr) -> pl.Expr:
    """``'123`` and ``="123"`` are Excel's ways of keeping a long id as text."""
    quoted = expr.str.starts_with('="') & expr.str.ends_with('"')
    unwrapped = pl.when(quoted).then(expr.str.strip_prefix('="').str.strip_suffix('"')).otherwise(expr)
    return unwrapped.str.strip_prefix("'").str.strip_chars()


# --- parsers: text (already cleaned) -> typed value or null ----------------------------------------


def parse_int(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr.str.contains(r"^[+-]?\d{1,18}$")).then(expr.str.to_integer(strict=False))


def parse_yuan_as_decimal(expr: pl.Expr) -> pl.Expr:
    digits = expr.str.replace_all(r"[¥￥,\s]", "")
    return pl.when(digits.str.contains(r"^-?\d{1,15}(\.\d{1,2})?$")).then(digits.cast(pl.Decimal(18, 2), strict=False))


def parse_bool(expr: pl.Expr) -> pl.Expr:
    lowered = expr.str.to_lowercase()
    return pl.when(lowered.is_in(_TRUE)).then(True).when(lowered.is_in(_FALSE)).then(False)


def parse_timestamp(expr: pl.Expr) -> pl.Expr:
    """Every timestamp form of the contract to one UTC instant; naive times are Asia/Shanghai (+08:00,
    which has had no daylight saving since 1991). Each form is rewritten by string operations into
    ``YYYY-MM-DD HH:MM:SS±HH:MM`` so that one parse serves them all (sub-second digits are dropped)."""
    text = (
        expr.str.replace_all("/", "-", literal=True)
        .str.replace("T", " ", literal=True)
        .str.replace(r"Z$", "+00:00")
        .str.replace(r"\.\d+", "")
        .str.replace(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2})($|[+-])", "${1}:00${2}")
        .str.replace(r"([+-]\d{2})(\d{2})$", "${1}:${2}")
    )
    with_offset = pl.when(text.str.contains(r"[+-]\d{2}:\d{2}$")).then(text).otherwise(text + "+08:00")
    unix = pl.when(expr.str.contains(r"^\d{10}$")).then(
        pl.from_epoch(expr.str.to_integer(strict=False), time_unit="s").dt.replace_time_zone("UTC")
    )
    parsed = with_offset.str.to_datetime("%Y-%m-%d %H:%M:%S%:z", strict=False, time_unit="us", time_zone="UTC")
    return pl.coalesce(unix.cast(UTC_MICROS), parsed.cast(UTC_MICROS))


def parse_date(expr: pl.Expr) -> pl.Expr:
    return pl.coalesce(
        expr.str.to_date("%Y-%m-%d", strict=False),
        expr.str.to_date("%Y/%m/%d", strict=False),
        pl.when(expr.str.contains(r"^\d{8}$")).then(expr.str.to_date("%Y%m%d", strict=False)),
    )


def parse_partial_date(expr: pl.Expr) -> pl.Expr:
    """A full date as ``YYYY-MM-DD``; a month and day only (``MM-DD``, ``MM月DD日``) as ``--MM-DD``."""
    full = parse_date(expr).dt.strftime("%Y-%m-%d")
    month_day = expr.str.extract_groups(r"^(\d{1,2})(?:-|/|月)(\d{1,2})日?$")
    month = month_day.struct.field("1").str.zfill(2)
    day = month_day.struct.field("2").str.zfill(2)
    # validated against a leap year so that 02-29 is a real birthday
    valid = pl.concat_str(pl.lit("2000-"), month, pl.lit("-"), day).str.to_date("%Y-%m-%d", strict=False).is_not_null()
    partial = pl.when(valid).then(pl.concat_str(pl.lit("--"), month, pl.lit("-"), day))
    return pl.coalesce(full, partial)


def parse_list(expr: pl.Expr, column: Column) -> pl.Expr:
    text = expr
    if column.strip:
        text = text.str.strip_chars(column.strip)
    separators = "[" + "".join(re.escape(c) for c in (column.sep or ",")) + "]"
    parts = text.str.replace_all(separators, "\x1f").str.split("\x1f")
    return parts.list.eval(pl.element().str.strip_chars()).list.eval(pl.element().filter(pl.element() != ""))


def parse_column(expr: pl.Expr, column: Column) -> pl.Expr:
    match column.type:
        case "str":
            return expr
        case "enum":
            return pl.when(expr.is_in(list(column.values))).then(expr)
        case "int" | "fen":
            return parse_int(expr)
        case "yuan":
            return parse_yuan_as_decimal(expr)
        case "bool01":
            return parse_bool(expr)
        case "ts":
            return parse_timestamp(expr)
        case "date":
            return parse_date(expr)
        case "partial_date":
            return parse_partial_date(expr)
        case "list":
            return parse_list(expr, column)
    raise ValueError(f"column {column.name}: unknown type {column.type!r}")


# --- one file's cells -> typed rows and rejects -----------------------------------------------------


def _cleaned(column: Column) -> pl.Expr:
    expr = clean_text(pl.col(column.name))
    return strip_excel_marker(expr) if column.is_id else expr


def _failure(column: Column) -> pl.Expr:
    """This column's reason code for a row, or null when the cell is fine."""
    raw = pl.col(column.name)
    original = pl.col(f"__raw__{column.name}")
    typed = pl.col(f"__typed__{column.name}")
    checks = [
        (original.str.contains(_UNDECODABLE, literal=True).fill_null(False), "invalid_encoding"),
        (original.str.contains(_CONTROL_CHARACTERS).fill_null(False), "control_character"),
    ]
    if column.is_id:
        checks.append((raw.str.contains(_SCIENTIFIC[column.id_form]).fill_null(False), f"scientific_{column.name}"))
    if column.required:
        checks.append((raw.is_null(), "required_missing"))
    if column.type in TYPE_FAILURE_REASON:
        checks.append((raw.is_not_null() & typed.is_null(), TYPE_FAILURE_REASON[column.type]))
    result = pl.lit(None, dtype=pl.String)
    for condition, reason in reversed(checks):
        result = pl.when(condition).then(pl.lit(reason)).otherwise(result)
    return result


def _record_key(entity: Entity) -> pl.Expr:
    return pl.concat_str([pl.col(k).fill_null("") for k in entity.key], separator="|")


def _with_cell_problems(cells: pl.DataFrame) -> pl.DataFrame:
    """The reader's per-row problem columns, null when the cells come without them."""
    missing = [name for name in (CELL_PROBLEM, CELL_PROBLEM_COLUMN) if name not in cells.columns]
    return cells.with_columns(pl.lit(None, dtype=pl.String).alias(name) for name in missing)


def parse_export(cells: pl.DataFrame, entity: Entity, keep: tuple[str, ...] = ()) -> ParsedFile:
    """Typed rows and rejects of one or more files' cells; ``keep`` columns (e.g. a file index) pass
    through to both."""
    columns = entity.columns
    why_cols = [f"__why__{c.name}" for c in columns]
    indexed = _with_cell_problems(cells).lazy().with_row_index("__row_id")
    checked = (
        indexed.with_columns(pl.col(c.name).alias(f"__raw__{c.name}") for c in columns)
        .with_columns(_cleaned(c).alias(c.name) for c in columns)
        .with_columns(parse_column(pl.col(c.name), c).alias(f"__typed__{c.name}") for c in columns)
        .with_columns(_failure(c).alias(w) for c, w in zip(columns, why_cols))
    )

    def first_column(condition) -> pl.Expr:
        return pl.coalesce([pl.when(condition(pl.col(w))).then(pl.lit(c.name)) for w, c in zip(why_cols, columns)])

    # the first failing column, in schema order: values that cannot be kept exactly first, then
    # missing required values, then types
    first_failure = pl.coalesce(
        first_column(lambda why: why.is_in(UNKEEPABLE)),
        first_column(lambda why: why == "required_missing"),
        first_column(lambda why: why.is_not_null()),
    )
    reason_by_column = pl.coalesce([pl.when(pl.col("__column") == c.name).then(pl.col(w)) for w, c in zip(why_cols, columns)])
    cell_problem = pl.col(CELL_PROBLEM).is_not_null()
    checked = checked.with_columns(
        pl.when(~pl.col(FIELD_COUNT_OK))
        .then(None)
        .when(cell_problem)
        .then(pl.col(CELL_PROBLEM_COLUMN))
        .otherwise(first_failure)
        .alias("__column")
    ).with_columns(
        pl.when(~pl.col(FIELD_COUNT_OK))
        .then(pl.lit("wrong_field_count"))
        .when(cell_problem)
        .then(pl.col(CELL_PROBLEM))
        .otherwise(reason_by_column)
        .alias("__reason")
    )
    rows = checked.filter(pl.col("__reason").is_null()).select(
        *[pl.col(f"__typed__{c.name}").alias(c.name) for c in columns], pl.col(ROW_NUMBER), *keep
    )
    rejected = checked.filter(pl.col("__reason").is_not_null()).select(
        "__row_id",
        pl.col(ROW_NUMBER),
        pl.col("__reason").alias("reason"),
        pl.col("__column").alias("column"),
        _record_key(entity).alias("record_key"),
        *keep,
    )
    rows, rejected = pl.collect_all([rows, rejected])
    raw_text = (
        cells.with_row_index("__row_id")
        .join(rejected.select("__row_id"), on="__row_id", how="semi")
        .select("__row_id", pl.struct(entity.column_names).struct.json_encode().alias("raw_text"))
    )
    rejects = rejected.join(raw_text, on="__row_id", how="left", maintain_order="left").drop("__row_id")
    return ParsedFile(rows=rows, rejects=rejects)
