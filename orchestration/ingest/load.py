"""Loading parsed exports into the warehouse's ``raw`` schema, one file at a time, idempotently.

A file is identified by its path below the landing folder. The same bytes again change nothing; new
bytes at the same path replace everything the file contributed before (rows and rejects).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

import duckdb
import polars as pl

from .landing import LandingFile, file_hash
from .parse import parse_export
from .reader import ROW_NUMBER, FileRejected, read_export
from .schema import LINEAGE_COLUMNS, Entity

RAW_SCHEMA = "raw"
REJECTS_TABLE = f"{RAW_SCHEMA}._rejects"
FILES_TABLE = f"{RAW_SCHEMA}._files"

_REJECTS_DDL = f"""
create table if not exists {REJECTS_TABLE} (
    source_file varchar not null,
    channel varchar,
    entity varchar,
    file_date date,
    row_number bigint not null,   -- data record after the header, from 1; 0 = the whole file
    reason varchar not null,
    "column" varchar,
    record_key varchar,
    message varchar,
    raw_text varchar,
    file_hash varchar,
    loaded_at timestamptz
)"""

_FILES_DDL = f"""
create table if not exists {FILES_TABLE} (
    source_file varchar primary key,
    channel varchar,
    entity varchar,
    file_date date,
    file_hash varchar,
    format varchar,
    encoding varchar,
    status varchar,               -- loaded | rejected
    rows_read bigint,
    rows_loaded bigint,
    rows_rejected bigint,
    extra_columns varchar[],
    message varchar,
    loaded_at timestamptz
)"""


@dataclass
class FileOutcome:
    file: LandingFile
    file_hash: str
    status: str  # loaded | rejected | unchanged
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    encoding: str | None = None
    extra_columns: list[str] = field(default_factory=list)
    message: str | None = None

    @property
    def reconciles(self) -> bool:
        return self.status != "loaded" or self.rows_read == self.rows_loaded + self.rows_rejected


@dataclass
class _Prepared:
    outcome: FileOutcome
    rows: pl.DataFrame | None
    rejects: pl.DataFrame


def ensure_raw_tables(con: duckdb.DuckDBPyConnection, entities: Iterable[Entity]) -> None:
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    con.execute(_REJECTS_DDL)
    con.execute(_FILES_DDL)
    for entity in entities:
        columns = [f'"{c.name}" {c.duckdb_type}' for c in entity.columns]
        columns += [f"{name} {sql_type}" for name, sql_type in LINEAGE_COLUMNS.items()]
        con.execute(f"create table if not exists {RAW_SCHEMA}.{entity.table} ({', '.join(columns)})")


def known_hashes(con: duckdb.DuckDBPyConnection, entity: Entity) -> dict[str, str]:
    rows = con.execute(
        f"select source_file, file_hash from {FILES_TABLE} where channel = ? and entity = ?",
        [entity.channel, entity.name],
    ).fetchall()
    return dict(rows)


def _whole_file_reject(file: LandingFile, digest: str, reason: str, column: str | None, message: str) -> pl.DataFrame:
    return pl.DataFrame(
        {ROW_NUMBER: [0], "reason": [reason], "column": [column], "record_key": [None], "message": [message], "raw_text": [None]},
        schema={ROW_NUMBER: pl.Int64, "reason": pl.String, "column": pl.String, "record_key": pl.String, "message": pl.String, "raw_text": pl.String},
    )


def _row_reject_message(rejects: pl.DataFrame) -> pl.Expr:
    return pl.format("{} in column {}", pl.col("reason"), pl.col("column").fill_null("(row)"))


def prepare_file(file: LandingFile, entity: Entity, digest: str) -> _Prepared:
    """Read and parse one file (no warehouse access, so several can run at once)."""
    outcome = FileOutcome(file=file, file_hash=digest, status="loaded")
    try:
        raw = read_export(file.path, file.format or "", entity)
    except FileRejected as rejected:
        outcome.status = "rejected"
        outcome.message = rejected.message
        return _Prepared(outcome, None, _whole_file_reject(file, digest, rejected.reason, rejected.column, rejected.message))
    parsed = parse_export(raw.cells, entity)
    outcome.encoding = raw.encoding
    outcome.extra_columns = raw.extra_columns
    outcome.rows_read = raw.rows_read
    outcome.rows_loaded = parsed.rows.height
    outcome.rows_rejected = parsed.rejects.height
    rejects = parsed.rejects.with_columns(_row_reject_message(parsed.rejects).alias("message")).select(
        ROW_NUMBER, "reason", "column", "record_key", "message", "raw_text"
    )
    return _Prepared(outcome, parsed.rows, rejects)


def reject_unloadable_file(file: LandingFile, digest: str, reason: str, message: str) -> _Prepared:
    outcome = FileOutcome(file=file, file_hash=digest, status="rejected", message=message)
    return _Prepared(outcome, None, _whole_file_reject(file, digest, reason, None, message))


def _with_lineage(rows: pl.DataFrame, outcome: FileOutcome, loaded_at: datetime) -> pl.DataFrame:
    return rows.with_columns(
        pl.lit(outcome.file.relative).alias("_source_file"),
        pl.lit(outcome.file.file_date, dtype=pl.Date).alias("_file_date"),
        pl.lit(outcome.file_hash).alias("_file_hash"),
        pl.lit(loaded_at, dtype=pl.Datetime("us", "UTC")).alias("_loaded_at"),
    )


def _rejects_with_file(rejects: pl.DataFrame, outcome: FileOutcome, loaded_at: datetime) -> pl.DataFrame:
    file = outcome.file
    return rejects.select(
        pl.lit(file.relative).alias("source_file"),
        pl.lit(file.channel).alias("channel"),
        pl.lit(file.entity).alias("entity"),
        pl.lit(file.file_date, dtype=pl.Date).alias("file_date"),
        pl.col(ROW_NUMBER).alias("row_number"),
        "reason",
        "column",
        "record_key",
        "message",
        "raw_text",
        pl.lit(outcome.file_hash).alias("file_hash"),
        pl.lit(loaded_at, dtype=pl.Datetime("us", "UTC")).alias("loaded_at"),
    )


def _manifest_row(outcome: FileOutcome, loaded_at: datetime) -> dict:
    file = outcome.file
    return {
        "source_file": file.relative,
        "channel": file.channel,
        "entity": file.entity,
        "file_date": file.file_date,
        "file_hash": outcome.file_hash,
        "format": file.format,
        "encoding": outcome.encoding,
        "status": outcome.status,
        "rows_read": outcome.rows_read,
        "rows_loaded": outcome.rows_loaded,
        "rows_rejected": outcome.rows_rejected,
        "extra_columns": outcome.extra_columns,
        "message": outcome.message,
        "loaded_at": loaded_at,
    }


def write_prepared(con: duckdb.DuckDBPyConnection, table: str | None, prepared: list[_Prepared]) -> None:
    """Replace what these files contributed before, in one transaction."""
    if not prepared:
        return
    loaded_at = datetime.now(timezone.utc)
    paths = pl.DataFrame({"source_file": [p.outcome.file.relative for p in prepared]})
    rows = [_with_lineage(p.rows, p.outcome, loaded_at) for p in prepared if p.rows is not None]
    rejects = pl.concat([_rejects_with_file(p.rejects, p.outcome, loaded_at) for p in prepared])
    manifest = pl.DataFrame(
        [_manifest_row(p.outcome, loaded_at) for p in prepared],
        schema_overrides={"extra_columns": pl.List(pl.String), "encoding": pl.String, "message": pl.String, "file_date": pl.Date},
    )
    con.register("_replaced_files", paths)
    con.execute("begin transaction")
    try:
        if table:
            con.execute(f"delete from {table} where _source_file in (select source_file from _replaced_files)")
            for frame in rows:
                con.register("_new_rows", frame)
                con.execute(f"insert into {table} by name select * from _new_rows")
                con.unregister("_new_rows")
        con.execute(f"delete from {REJECTS_TABLE} where source_file in (select source_file from _replaced_files)")
        con.register("_new_rejects", rejects)
        con.execute(f"insert into {REJECTS_TABLE} by name select * from _new_rejects")
        con.execute(f"delete from {FILES_TABLE} where source_file in (select source_file from _replaced_files)")
        con.register("_new_manifest", manifest)
        con.execute(f"insert into {FILES_TABLE} by name select * from _new_manifest")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        for name in ("_replaced_files", "_new_rejects", "_new_manifest"):
            con.unregister(name)
