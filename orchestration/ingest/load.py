"""Loading parsed exports into the warehouse's ``raw`` schema, idempotently, file by file.

A file is identified by its path below the landing folder. The same bytes again change nothing; new
bytes at the same path replace everything the file contributed before (rows and rejects).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
import polars as pl

from .landing import LandingFile
from .parse import parse_export
from .reader import ROW_NUMBER, FileRejected, RawFile, read_export
from .schema import LINEAGE_COLUMNS, Entity

RAW_SCHEMA = "raw"
REJECTS_TABLE = f"{RAW_SCHEMA}._rejects"
FILES_TABLE = f"{RAW_SCHEMA}._files"
# Raw rows are only appended, except when a file is loaded again with other content or an erasure
# deletes them: each such removal leaves a marker here, so that the incremental staging model of that
# table knows to rebuild (dbt_project/macros/staging/staging_incremental.sql consumes the markers).
REMOVALS_TABLE = f"{RAW_SCHEMA}._removals"

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
class Batch:
    """Files read and parsed together, written in one transaction: their outcomes, their typed rows
    with lineage columns, and their rejects (rows, or row 0 for a whole file)."""

    outcomes: list[FileOutcome]
    rows: pl.DataFrame | None
    rejects: pl.DataFrame


FILE_INDEX = "__file_index"
REJECT_COLUMNS = {
    "source_file": pl.String,
    "channel": pl.String,
    "entity": pl.String,
    "file_date": pl.Date,
    "row_number": pl.Int64,
    "reason": pl.String,
    "column": pl.String,
    "record_key": pl.String,
    "message": pl.String,
    "raw_text": pl.String,
    "file_hash": pl.String,
}
# Files are parsed together until a batch holds this many rows: few polars plans, bounded memory.
BATCH_ROWS = 400_000
# Files are read a group at a time, a group being about this many bytes on disk.
READ_GROUP_BYTES = 128 * 1024**2

REMOVALS_DDL = f"""
create table if not exists {REMOVALS_TABLE} (
    table_name varchar not null,  -- the raw table, without the schema
    source_file varchar,
    reason varchar not null,      -- replaced | erased
    removed_at timestamptz not null
)"""


def record_removals(con: duckdb.DuckDBPyConnection, table: str, reason: str, source_files: Iterable[str | None] = (None,)) -> None:
    """Markers for rows removed from a raw table (``schema.table`` or ``table``), one per source file."""
    con.executemany(
        f"insert into {REMOVALS_TABLE} values (?, ?, ?, now())",
        [[table.split(".")[-1], source_file, reason] for source_file in source_files],
    )


def ensure_raw_tables(con: duckdb.DuckDBPyConnection, entities: Iterable[Entity]) -> None:
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    con.execute(_REJECTS_DDL)
    con.execute(_FILES_DDL)
    con.execute(REMOVALS_DDL)
    for entity in entities:
        columns = [f'"{c.name}" {c.duckdb_type}' for c in entity.columns]
        columns += [f"{name} {sql_type}" for name, sql_type in LINEAGE_COLUMNS.items()]
        con.execute(f"create table if not exists {RAW_SCHEMA}.{entity.table} ({', '.join(columns)})")


def known_hashes(con: duckdb.DuckDBPyConnection, entity: Entity | None = None) -> dict[str, str]:
    if entity is None:
        return dict(con.execute(f"select source_file, file_hash from {FILES_TABLE}").fetchall())
    rows = con.execute(
        f"select source_file, file_hash from {FILES_TABLE} where channel = ? and entity = ?",
        [entity.channel, entity.name],
    ).fetchall()
    return dict(rows)


def whole_file_rejects(rejected: list[tuple[FileOutcome, str, str | None]]) -> pl.DataFrame:
    """Row-0 rejects for files that could not be loaded at all: (outcome, reason, column)."""
    return pl.DataFrame(
        [
            {
                "source_file": o.file.relative,
                "channel": o.file.channel,
                "entity": o.file.entity,
                "file_date": o.file.file_date,
                "row_number": 0,
                "reason": reason,
                "column": column,
                "record_key": None,
                "message": o.message,
                "raw_text": None,
                "file_hash": o.file_hash,
            }
            for o, reason, column in rejected
        ],
        schema=REJECT_COLUMNS,
    )


def _read(file: LandingFile, entity: Entity, digest: str) -> tuple[FileOutcome, RawFile | FileRejected]:
    outcome = FileOutcome(file=file, file_hash=digest, status="loaded")
    try:
        raw = read_export(file.path, file.format or "", entity)
    except FileRejected as rejected:
        outcome.status, outcome.message = "rejected", rejected.message
        return outcome, rejected
    outcome.encoding, outcome.extra_columns, outcome.rows_read = raw.encoding, raw.extra_columns, raw.rows_read
    return outcome, raw


def _by_file(frame: pl.DataFrame, outcomes: list[FileOutcome], columns: dict[str, pl.Expr]) -> pl.DataFrame:
    """Per-file values (path, date, hash, ...) attached through the file index."""
    index = pl.DataFrame(
        {FILE_INDEX: list(range(len(outcomes))), **{name: [f(o) for o in outcomes] for name, f in columns.items()}},
        schema_overrides={FILE_INDEX: pl.Int32, "_file_date": pl.Date, "file_date": pl.Date},
        strict=False,
    )
    return frame.join(index, on=FILE_INDEX, how="left").drop(FILE_INDEX)


def _parse_batch(entity: Entity, batch: list[tuple[FileOutcome, RawFile]]) -> Batch:
    outcomes = [o for o, _ in batch]
    cells = pl.concat(
        [raw.cells.with_columns(pl.lit(i, dtype=pl.Int32).alias(FILE_INDEX)) for i, (_, raw) in enumerate(batch)],
        how="vertical",
    )
    parsed = parse_export(cells, entity, keep=(FILE_INDEX,))
    loaded = parsed.rows.group_by(FILE_INDEX).len()
    rejected = parsed.rejects.group_by(FILE_INDEX).len()
    for index, count in loaded.iter_rows():
        outcomes[index].rows_loaded = count
    for index, count in rejected.iter_rows():
        outcomes[index].rows_rejected = count
    loaded_at = datetime.now(UTC)
    rows = _by_file(
        parsed.rows.rename({ROW_NUMBER: "_row_number"}),
        outcomes,
        {
            "_source_file": lambda o: o.file.relative,
            "_file_date": lambda o: o.file.file_date,
            "_file_hash": lambda o: o.file_hash,
        },
    ).with_columns(pl.lit(loaded_at, dtype=pl.Datetime("us", "UTC")).alias("_loaded_at"))
    rejects = _by_file(
        parsed.rejects.rename({ROW_NUMBER: "row_number"}).with_columns(
            pl.format("{} in column {}", pl.col("reason"), pl.col("column").fill_null("(row)")).alias("message")
        ),
        outcomes,
        {
            "source_file": lambda o: o.file.relative,
            "channel": lambda o: o.file.channel,
            "entity": lambda o: o.file.entity,
            "file_date": lambda o: o.file.file_date,
            "file_hash": lambda o: o.file_hash,
        },
    ).select(list(REJECT_COLUMNS))
    return Batch(outcomes, rows, rejects)


def read_batches(
    files: list[LandingFile], entity: Entity, digests: dict[str, str], workers: int = 2
) -> Iterator[Batch]:
    """Read the files (in threads, a group of about READ_GROUP_BYTES at a time), and parse the readable
    ones together in batches: memory holds one group and one batch, however large the entity."""
    batch: list[tuple[FileOutcome, RawFile]] = []
    rows = 0
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for group in _groups_of_bytes(files, READ_GROUP_BYTES):
            results = list(pool.map(lambda f: _read(f, entity, digests[f.relative]), group))
            unreadable = [(o, r) for o, r in results if isinstance(r, FileRejected)]
            if unreadable:
                yield Batch([o for o, _ in unreadable], None, whole_file_rejects([(o, r.reason, r.column) for o, r in unreadable]))
            for outcome, raw in results:
                if isinstance(raw, FileRejected):
                    continue
                batch.append((outcome, raw))
                rows += raw.rows_read
                if rows >= BATCH_ROWS:
                    yield from _parsed(entity, batch)
                    batch, rows = [], 0
    if batch:
        yield from _parsed(entity, batch)


def _parsed(entity: Entity, batch: list[tuple[FileOutcome, RawFile]]) -> Iterator[Batch]:
    """The batch parsed together; should that fail, each file alone, so that a file the parser cannot
    take is rejected whole and the others load."""
    try:
        yield _parse_batch(entity, batch)
        return
    except (pl.exceptions.PolarsError, MemoryError, ValueError, TypeError):
        if len(batch) == 1:
            outcome = batch[0][0]
            outcome.status, outcome.message = "rejected", "the parser failed on this file"
            outcome.rows_read = 0
            yield Batch([outcome], None, whole_file_rejects([(outcome, "unparseable_file", None)]))
            return
    for one in batch:
        yield from _parsed(entity, [one])


def _size(file: LandingFile) -> int:
    try:
        return file.path.stat().st_size
    except OSError:
        return 0


def _groups_of_bytes(files: list[LandingFile], limit: int) -> Iterator[list[LandingFile]]:
    group: list[LandingFile] = []
    size = 0
    for file in files:
        group.append(file)
        size += _size(file)
        if size >= limit:
            yield group
            group, size = [], 0
    if group:
        yield group


def _manifest(outcomes: list[FileOutcome], loaded_at: datetime) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "source_file": o.file.relative,
                "channel": o.file.channel,
                "entity": o.file.entity,
                "file_date": o.file.file_date,
                "file_hash": o.file_hash,
                "format": o.file.format,
                "encoding": o.encoding,
                "status": o.status,
                "rows_read": o.rows_read,
                "rows_loaded": o.rows_loaded,
                "rows_rejected": o.rows_rejected,
                "extra_columns": o.extra_columns,
                "message": o.message,
                "loaded_at": loaded_at,
            }
            for o in outcomes
        ],
        schema_overrides={"extra_columns": pl.List(pl.String), "encoding": pl.String, "message": pl.String,
                          "file_date": pl.Date, "format": pl.String},
    )


def write_batch(con: duckdb.DuckDBPyConnection, table: str | None, batch: Batch, known_files: Iterable[str]) -> None:
    """Replace what these files contributed before (``known_files``: those loaded before), in one
    transaction. New files need no delete, which would scan the whole table."""
    if not batch.outcomes:
        return
    loaded_at = datetime.now(UTC)
    known = set(known_files)
    replaced = pl.DataFrame({"source_file": [o.file.relative for o in batch.outcomes if o.file.relative in known]}, schema={"source_file": pl.String})
    rejects = batch.rejects.with_columns(pl.lit(loaded_at, dtype=pl.Datetime("us", "UTC")).alias("loaded_at"))
    con.register("_replaced_files", replaced)
    con.register("_new_rejects", rejects)
    con.register("_new_manifest", _manifest(batch.outcomes, loaded_at))
    if batch.rows is not None:
        con.register("_new_rows", batch.rows)
    con.execute("begin transaction")
    try:
        if replaced.height:
            if table:
                con.execute(f"delete from {table} where _source_file in (select source_file from _replaced_files)")
                record_removals(con, table, "replaced", replaced["source_file"].to_list())
            con.execute(f"delete from {REJECTS_TABLE} where source_file in (select source_file from _replaced_files)")
            con.execute(f"delete from {FILES_TABLE} where source_file in (select source_file from _replaced_files)")
        if table and batch.rows is not None:
            con.execute(f"insert into {table} by name select * from _new_rows")
        con.execute(f"insert into {REJECTS_TABLE} by name select * from _new_rejects")
        con.execute(f"insert into {FILES_TABLE} by name select * from _new_manifest")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        for name in ("_replaced_files", "_new_rejects", "_new_manifest", "_new_rows"):
            try:
                con.unregister(name)
            except duckdb.Error:
                pass
