"""The raw tables as Parquet, for dbt on Spark (``C360_ENGINE=spark``): every table of the warehouse's
schema ``raw`` becomes a folder ``<lake>/<table>/`` (``$C360_LAKE_DIR``, default ``<data>/lake``) that
dbt-spark registers as the source ``raw.<table>`` (dbt_project/macros/spark/lake_sources.sql).

This is the bridge of the first Spark step: the DuckDB ingest still reads the exports, and the lake is a
copy of what it loaded. The Spark ingest (the same reader writing each file's rows as Parquet directly,
partitioned by entity and file date) replaces it later (issue 15).

Each table is written whole into a new folder beside the current one, which is then swapped in by
renames, so a reader finds the previous copy or the new one, never half a file. The lake holds personal
data: it is the owner's only, like the warehouse.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .files import make_owner_only, owner_only_dir

# DuckDB types that Spark cannot read from Parquet, written as a type that keeps their values.
WRITTEN_AS = {"HUGEINT": "decimal(38, 0)", "UUID": "varchar"}
SPARK_UNREADABLE_TYPES = ("UHUGEINT", "INTERVAL", "TIME", "UNION", "BIT", "TIMETZ")


@dataclass(frozen=True)
class ExportedTable:
    name: str
    rows: int
    folder: Path


def raw_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The base tables of the warehouse's schema raw (views such as raw.ingest_summary are derived: left out)."""
    return [
        row[0]
        for row in con.execute(
            "select table_name from duckdb_tables() where database_name = current_database() and schema_name = 'raw' "
            "and not temporary order by table_name"
        ).fetchall()
    ]


def _select_list(con: duckdb.DuckDBPyConnection, table: str) -> str:
    columns = con.execute(
        "select column_name, data_type from duckdb_columns() where database_name = current_database() "
        "and schema_name = 'raw' and table_name = ? order by column_index",
        [table],
    ).fetchall()
    bad = [f"{name} {kind}" for name, kind in columns if kind.split("(")[0].split("[")[0] in SPARK_UNREADABLE_TYPES]
    if bad:
        raise ValueError(f"raw.{table}: no Parquet type that Spark reads back for {', '.join(bad)}")
    quoted = [(name, '"' + name.replace('"', '""') + '"', kind) for name, kind in columns]
    return ", ".join(f"cast({q} as {WRITTEN_AS[kind]}) as {q}" if kind in WRITTEN_AS else q for _, q, kind in quoted)


def _swap_in(new: Path, current: Path) -> None:
    retired = current.with_name(f".{current.name}.retired-{uuid.uuid4().hex[:8]}")
    if current.exists():
        current.rename(retired)
    new.rename(current)
    shutil.rmtree(retired, ignore_errors=True)


def export_table(con: duckdb.DuckDBPyConnection, table: str, lake_dir: Path) -> ExportedTable:
    select_list = _select_list(con, table)
    current = lake_dir / table
    new = lake_dir / f".{table}.new-{uuid.uuid4().hex[:8]}"
    new.mkdir()
    try:
        # One file per table: Spark infers the schema from it even when the table is empty.
        target = str(new / "part-00000.parquet").replace("'", "''")
        con.execute(f"copy (select {select_list} from raw.\"{table}\") to '{target}' (format parquet, compression zstd)")
        make_owner_only(new, recursive=True)
        rows = con.execute(f'select count(*) from raw."{table}"').fetchone()[0]
        _swap_in(new, current)
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise
    return ExportedTable(table, rows, current)


def export_raw_to_lake(con: duckdb.DuckDBPyConnection, lake_dir: Path) -> list[ExportedTable]:
    """Write every raw table of the warehouse ``con`` is connected to as Parquet to ``lake_dir``; returns
    what was written."""
    owner_only_dir(lake_dir)
    return [export_table(con, table, lake_dir) for table in raw_tables(con)]
