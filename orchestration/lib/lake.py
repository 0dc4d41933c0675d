"""The raw tables as Parquet, for dbt on Spark (``C360_ENGINE=spark``): every table of the warehouse's
schema ``raw`` becomes a folder ``<lake>/<table>/`` (``$C360_LAKE_DIR``, default ``<data>/lake``) that
dbt-spark registers as the source ``raw.<table>`` (dbt_project/macros/spark/lake_sources.sql).

This is the bridge of the first Spark step: the DuckDB ingest still reads the exports, and the lake is a
copy of what it loaded. A table of export rows is partitioned by the export's date,
``<table>/_file_date=YYYY-MM-DD/``, and a night rewrites only the days whose rows changed (a new day, a
late file, an erasure): each day's fingerprint (rows, and a hash of them) is kept in
``<table>/_partitions.json``. A table without that column, or with rows of no date, is written whole.

Whatever is written goes into a new folder beside the current one, swapped in by renames, so a reader
finds the previous copy of a day or the new one, never half a file; a night killed half way leaves some
days rewritten and the fingerprints of the last complete export, so the next night writes those days
again. The lake holds personal data: it is the owner's only, like the warehouse.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .files import make_owner_only, owner_only_dir
from .sql_text import quoted, string_literal

# DuckDB types that Spark cannot read from Parquet, written as a type that keeps their values.
WRITTEN_AS = {"HUGEINT": "decimal(38, 0)", "UUID": "varchar"}
SPARK_UNREADABLE_TYPES = ("UHUGEINT", "INTERVAL", "TIME", "UNION", "BIT", "TIMETZ")


PARTITION_COLUMN = "_file_date"
FINGERPRINTS = "_partitions.json"


@dataclass(frozen=True)
class ExportedTable:
    name: str
    rows: int
    folder: Path
    days_written: int | None = None  # of a table partitioned by day: the days this export rewrote


def raw_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The base tables of the warehouse's schema raw (views such as raw.ingest_summary are derived: left out)."""
    return [
        row[0]
        for row in con.execute(
            "select table_name from duckdb_tables() where database_name = current_database() and schema_name = 'raw' "
            "and not temporary order by table_name"
        ).fetchall()
    ]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from duckdb_columns() where database_name = current_database() "
        "and schema_name = 'raw' and table_name = ? order by column_index",
        [table],
    ).fetchall()


def _select_list(columns: list[tuple[str, str]], table: str) -> str:
    bad = [f"{name} {kind}" for name, kind in columns if kind.split("(")[0].split("[")[0] in SPARK_UNREADABLE_TYPES]
    if bad:
        raise ValueError(f"raw.{table}: no Parquet type that Spark reads back for {', '.join(bad)}")
    return ", ".join(
        f"cast({quoted(name)} as {WRITTEN_AS[kind]}) as {quoted(name)}" if kind in WRITTEN_AS else quoted(name)
        for name, kind in columns
    )


def _swap_in(new: Path, current: Path) -> None:
    retired = current.with_name(f".{current.name}.retired-{uuid.uuid4().hex[:8]}")
    if current.exists():
        current.rename(retired)
    new.rename(current)
    shutil.rmtree(retired, ignore_errors=True)


@contextmanager
def _staged(current: Path) -> Iterator[Path]:
    """A new folder to write ``current``'s next copy into: made owner-only and swapped in when the block
    ends, removed when it fails."""
    new = current.with_name(f".{current.name}.new-{uuid.uuid4().hex[:8]}")
    new.mkdir()
    try:
        yield new
        make_owner_only(new, recursive=True)
        _swap_in(new, current)
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise


def _copy(con: duckdb.DuckDBPyConnection, select: str, target: Path, *options: str, parameters=()) -> None:
    con.execute(f"copy ({select}) to {string_literal(target)} (format parquet, compression zstd{''.join(', ' + o for o in options)})",
                list(parameters))


def _write_whole(con: duckdb.DuckDBPyConnection, table: str, select_list: str, current: Path) -> None:
    with _staged(current) as new:
        # One file per table: Spark infers the schema from it even when the table is empty.
        _copy(con, f"select {select_list} from raw.{quoted(table)}", new / "part-00000.parquet")


def _day_fingerprints(con: duckdb.DuckDBPyConnection, table: str, columns: list[tuple[str, str]]) -> dict[str, list]:
    every_column = ", ".join(quoted(name) for name, _ in columns)
    return {
        str(day): [rows, str(digest)]
        for day, rows, digest in con.execute(
            f"select {PARTITION_COLUMN}, count(*), sum(hash({every_column}))::hugeint from raw.{quoted(table)} group by 1"
        ).fetchall()
    }


def _read_fingerprints(current: Path) -> dict:
    try:
        return json.loads((current / FINGERPRINTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_fingerprints(current: Path, fingerprints: dict) -> None:
    staged = current / f".{FINGERPRINTS}.new-{uuid.uuid4().hex[:8]}"
    staged.write_text(json.dumps(fingerprints, sort_keys=True), encoding="utf-8")
    make_owner_only(staged)
    staged.replace(current / FINGERPRINTS)


def _write_days(con: duckdb.DuckDBPyConnection, table: str, columns: list[tuple[str, str]], current: Path) -> int:
    """Rewrite the days of ``table`` whose rows changed since the last export; returns how many."""
    select_list = _select_list([c for c in columns if c[0] != PARTITION_COLUMN], table)
    days = _day_fingerprints(con, table, columns)
    signature = _select_list(columns, table)
    previous = _read_fingerprints(current)
    if previous.get("columns") != signature:  # a first export, an unpartitioned copy or a changed schema
        with _staged(current) as new:
            _copy(con, f"select {select_list}, {PARTITION_COLUMN} from raw.{quoted(table)}", new,
                  f"partition_by ({PARTITION_COLUMN})")
            _write_fingerprints(new, {"columns": signature, "days": days})
        return len(days)
    changed = sorted(day for day, fingerprint in days.items() if previous.get("days", {}).get(day) != fingerprint)
    for day in changed:
        with _staged(current / f"{PARTITION_COLUMN}={day}") as new:
            _copy(con, f"select {select_list} from raw.{quoted(table)} where {PARTITION_COLUMN} = ?::date",
                  new / "part-00000.parquet", parameters=[day])
    for gone in sorted(set(previous.get("days", {})) - set(days)):
        shutil.rmtree(current / f"{PARTITION_COLUMN}={gone}", ignore_errors=True)
    _write_fingerprints(current, {"columns": signature, "days": days})
    return len(changed)


def export_table(con: duckdb.DuckDBPyConnection, table: str, lake_dir: Path) -> ExportedTable:
    columns = _columns(con, table)
    current = lake_dir / table
    dated = (PARTITION_COLUMN, "DATE") in columns
    rows, rows_with_a_day = con.execute(
        f"select count(*), count({PARTITION_COLUMN if dated else 'null'}) from raw.{quoted(table)}").fetchone()
    # Spark infers no schema from no files, and a row of no day has no folder name: those are written whole
    if 0 < rows == rows_with_a_day:
        return ExportedTable(table, rows, current, days_written=_write_days(con, table, columns, current))
    _write_whole(con, table, _select_list(columns, table), current)
    return ExportedTable(table, rows, current)


def export_raw_to_lake(con: duckdb.DuckDBPyConnection, lake_dir: Path) -> list[ExportedTable]:
    """Write every raw table of the warehouse ``con`` is connected to as Parquet to ``lake_dir``; returns
    what was written."""
    owner_only_dir(lake_dir)
    return [export_table(con, table, lake_dir) for table in raw_tables(con)]
