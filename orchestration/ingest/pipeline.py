"""Ingestion as plain functions over a DuckDB connection: what the raw assets call, and tests too."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

import duckdb

from ..lib.faults import crash_point
from .landing import LandingFile, file_hash, irregular_entries, misplaced_files, scan, text_hash
from .load import Batch, FileOutcome, ensure_raw_tables, known_hashes, read_batches, whole_file_rejects, write_batch
from .schema import Entity, load_entities

READ_WORKERS = 2


def files_for(entity: Entity, landing: list[LandingFile], first: date | None, last: date | None) -> list[LandingFile]:
    """The entity's loadable files whose date lies in [first, last] (no bound when None)."""
    return [
        f
        for f in landing
        if f.qualified_entity == entity.qualified_name
        and f.format is not None
        and f.file_date is not None
        and (first is None or f.file_date >= first)
        and (last is None or f.file_date <= last)
    ]


def _hash_or_error(path: Path) -> tuple[str, str | None]:
    """The file's hash, or a stand-in for the error and the error (the file vanished, cannot be read)."""
    try:
        return file_hash(path), None
    except OSError as exc:
        error = exc.strerror or type(exc).__name__
        return text_hash(f"unreadable:{error}"), error


def _unreadable_outcomes(
    files: list[LandingFile], errors: dict[str, str], digests: dict[str, str], previous: dict[str, str]
) -> tuple[list[FileOutcome], list[FileOutcome]]:
    """Files that cannot be read now: rejected whole when new; when read before, what they loaded is
    kept (a lost permission must not delete customers) and the outcome says so."""
    new, kept = [], []
    for file in files:
        message = f"the file cannot be read ({errors[file.relative]})"
        if file.relative in previous and not previous[file.relative].startswith("nobytes-"):
            kept.append(FileOutcome(file, previous[file.relative], "unchanged", message=message + "; its rows from the last read are kept"))
        else:
            new.append(FileOutcome(file, digests[file.relative], "rejected", message=message))
    return new, kept


def ingest_entity(con: duckdb.DuckDBPyConnection, entity: Entity, files: list[LandingFile]) -> list[FileOutcome]:
    """Load new and changed files of one entity; files already loaded with the same bytes are skipped.
    A file that cannot be read is that file's problem: it is rejected (or, read before, kept as it was)."""
    ensure_raw_tables(con, [entity])
    previous = known_hashes(con, entity)
    hashed = {f.relative: _hash_or_error(f.path) for f in files}
    digests = {name: digest for name, (digest, _) in hashed.items()}
    errors = {name: error for name, (_, error) in hashed.items() if error}
    unchanged = [f for f in files if previous.get(f.relative) == digests[f.relative]]
    changed = [f for f in files if previous.get(f.relative) != digests[f.relative] and f.relative not in errors]
    unreadable, kept = _unreadable_outcomes([f for f in files if f.relative in errors and f not in unchanged], errors, digests, previous)
    outcomes: list[FileOutcome] = list(kept)
    if unreadable:
        write_batch(con, f"raw.{entity.table}", Batch(unreadable, None, whole_file_rejects([(o, "unreadable_file", None) for o in unreadable])), previous)
        outcomes += unreadable
    for batch in read_batches(changed, entity, digests, READ_WORKERS):
        write_batch(con, f"raw.{entity.table}", batch, previous)
        outcomes += batch.outcomes
    crash_point(f"ingest_after_{entity.table}")
    outcomes += [FileOutcome(file=f, file_hash=digests[f.relative], status="unchanged") for f in unchanged]
    broken = [o for o in outcomes if not o.reconciles]
    if broken:
        raise AssertionError(f"rows read != loaded + rejected for {[o.file.relative for o in broken]}")
    return sorted(outcomes, key=lambda o: o.file.relative)


def _misfit_reason(file: LandingFile, entities: dict[str, Entity], first: date | None, last: date | None) -> tuple[str, str] | None:
    if file.qualified_entity not in entities:
        return "unknown_entity", f"{file.qualified_entity!r} is not a channel export this platform knows"
    if file.format is None:
        return "unsupported_format", "the file name does not end in .csv, .csv.gz, .xlsx or .jsonl"
    if file.file_date is None:
        return "invalid_file_date", "the file name does not start with a valid business date YYYY-MM-DD"
    if (first and file.file_date < first) or (last and file.file_date > last):
        return "file_date_out_of_range", f"the file date {file.file_date} lies outside the partitions {first}..{last}"
    return None


def _entry(path: Path, landing_dir: Path) -> LandingFile:
    """A landing entry outside the layout, described as far as its path allows."""
    parts = path.relative_to(landing_dir).parts
    return LandingFile(path, "/".join(parts), parts[0], parts[1] if len(parts) > 2 else "", None, None)


def reject_misfit_files(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, first: date | None = None, last: date | None = None
) -> list[FileOutcome]:
    """Record every landing file that no raw asset can load, and every entry that is not a regular file
    (links, pipes, sockets, devices), so that nothing lands silently nowhere."""
    entities = {e.qualified_name: e for e in load_entities()}
    ensure_raw_tables(con, [])
    misfits: list[tuple[LandingFile, str, str]] = []
    for file in scan(landing_dir):
        reason = _misfit_reason(file, entities, first, last)
        if reason:
            misfits.append((file, *reason))
    for path in misplaced_files(landing_dir):
        misfits.append((_entry(path, landing_dir), "unexpected_location", "files belong at <channel>/<entity>/<YYYY-MM-DD>….<ext>"))
    for path, message in irregular_entries(landing_dir):
        misfits.append((_entry(path, landing_dir), "not_a_regular_file", message))
    known = known_hashes(con)
    rejected: list[tuple[FileOutcome, str, None]] = []
    for file, reason, message in misfits:
        digest = text_hash(message) if reason == "not_a_regular_file" else _hash_or_error(file.path)[0]
        if known.get(file.relative) != digest:
            rejected.append((FileOutcome(file=file, file_hash=digest, status="rejected", message=message), reason, None))
    outcomes = [o for o, _, _ in rejected]
    write_batch(con, None, Batch(outcomes, None, whole_file_rejects(rejected)), known)
    return outcomes


def ingest_landing(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    entities: Iterable[Entity] | None = None,
    first: date | None = None,
    last: date | None = None,
) -> dict[str, list[FileOutcome]]:
    landing = scan(landing_dir)
    return {
        e.qualified_name: ingest_entity(con, e, files_for(e, landing, first, last))
        for e in (entities or load_entities())
    }
