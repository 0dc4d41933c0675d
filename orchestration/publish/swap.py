"""Publishing whole versions: write a new DuckDB file and Parquet folder beside the old, verify them, then
swap the names atomically (rename), so a reader sees the previous complete version or the new one, never a
mix, and a publish that could not write everything (a full disk, a crash) reports a failure, not success.

Layout under the data folder::

    published.duckdb                 -> hard link to the current version's file
    published_pseudonymised.duckdb   -> hard link to its pseudonymised copy (when a key is configured)
    published_parquet                -> symlink to the current version's Parquet folder
    published_versions/v000007.duckdb
    published_versions/v000007.pseudonymised.duckdb
    published_versions/v000007/<table>.parquet

Erasure: each version logs how many erasure requests had been applied when it was written. Once a version
with more erasures is current, every version with fewer is deleted (it still holds an erased person), and
rollback never goes back to one.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ..lib.faults import crash_point
from ..lib.published import LOG_COLUMNS, LOG_TABLE, PUBLISHED_SCHEMA, PublishLayout, log_entries
from ..lib.settings import duckdb_config, settings
from ..lib.warehouse import Warehouse
from ..lib.yaml_files import read_yaml
from .tables import SOURCE_SCHEMA, PublishedTable, published_tables

OWNER_ONLY_FILE = stat.S_IRUSR | stat.S_IWUSR
OWNER_ONLY_DIR = stat.S_IRWXU
PSEUDONYMISE_FILE = Path(__file__).with_name("pseudonymise.yaml")


class BrokenVersion(RuntimeError):
    """A written version that is not complete and readable: never swapped in, never rolled back to."""


@dataclass
class PublishResult:
    version: int
    path: Path
    parquet: Path
    row_counts: dict[str, int]
    removed_versions: list[int]


def _atomic_hardlink(target: Path, link: Path) -> None:
    temporary = link.with_name(f".{link.name}.{uuid.uuid4().hex}.tmp")
    os.link(target, temporary)
    os.replace(temporary, link)


def _atomic_symlink(target: Path, link: Path) -> None:
    if link.is_dir() and not link.is_symlink():  # a real folder (restored from a backup): make way once
        shutil.rmtree(link)
    temporary = link.with_name(f".{link.name}.{uuid.uuid4().hex}.tmp")
    os.symlink(os.path.relpath(target, link.parent), temporary)
    os.replace(temporary, link)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _wal(database: Path) -> Path:
    return database.with_name(database.name + ".wal")


def _discard(*paths: Path) -> None:
    """Remove what a failed write left: files with their write-ahead logs (they hold the data), folders."""
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
            _wal(path).unlink(missing_ok=True)


def _close_durably(con: duckdb.DuckDBPyConnection, database: Path) -> None:
    """Checkpoint, close and fsync. A full disk fails the checkpoint here; closing without it would leave
    the tables in a write-ahead log that the rename below does not carry along."""
    con.execute("checkpoint")
    con.close()
    if _wal(database).exists():
        raise BrokenVersion(f"{database.name}: the checkpoint left a write-ahead log (disk full?)")
    _fsync(database)


def _select_columns(con: duckdb.DuckDBPyConnection, table: PublishedTable) -> str:
    present = [r[0] for r in con.execute(f"describe wh.{SOURCE_SCHEMA}.{table.name}").fetchall()]
    missing = [c for c in table.columns if c not in present]
    if missing:
        raise ValueError(f"marts.{table.name} lacks published columns {missing}")
    ordered = list(table.columns) + [c for c in present if c not in table.columns]
    return ", ".join(f'"{c}"' for c in ordered)


def _previous_log(layout: PublishLayout) -> list[dict]:
    return log_entries(layout.published) if layout.published.exists() else []


def _erased_requests(con: duckdb.DuckDBPyConnection) -> int:
    """Erasure requests applied in the warehouse (attached as ``wh``) so far."""
    exists = con.execute(
        "select count(*) from duckdb_tables() where database_name = 'wh' and schema_name = 'raw' "
        "and table_name = '_erasure_requests'"
    ).fetchone()[0]
    if not exists:
        return 0
    return con.execute("select count(*) from wh.raw._erasure_requests where status = 'erased'").fetchone()[0]


def _write_log(con: duckdb.DuckDBPyConnection, entries: list[dict]) -> None:
    con.execute(f"create table {LOG_TABLE} ({', '.join(f'{c} {t}' for c, t in LOG_COLUMNS.items())})")
    placeholders = ", ".join("?" for _ in LOG_COLUMNS)
    con.executemany(
        f"insert into {LOG_TABLE} values ({placeholders})",
        [[entry.get(column) for column in LOG_COLUMNS] for entry in entries],
    )


def _copy_tables(con: duckdb.DuckDBPyConnection, tables: tuple[PublishedTable, ...], parquet_dir: Path) -> dict[str, int]:
    """Each table into the new file and its Parquet."""
    counts = {}
    for table in tables:
        con.execute(
            f"create table {PUBLISHED_SCHEMA}.{table.name} as "
            f"select {_select_columns(con, table)} from wh.{SOURCE_SCHEMA}.{table.name}"
        )
        counts[table.name] = con.execute(f"select count(*) from {PUBLISHED_SCHEMA}.{table.name}").fetchone()[0]
        con.execute(f"copy {PUBLISHED_SCHEMA}.{table.name} to ? (format parquet)", [str(parquet_dir / f"{table.name}.parquet")])
    return counts


def write_version(
    warehouse: Warehouse,
    layout: PublishLayout,
    version: int,
    check_summary: dict,
    input_files: list[str],
    tables: tuple[PublishedTable, ...] | None = None,
) -> dict[str, int]:
    """Write version ``version`` (DuckDB file and Parquet) beside the current one and verify it; swap
    nothing yet. On any failure nothing of it is left behind."""
    tables = tables or published_tables()
    layout.versions_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(layout.versions_dir, OWNER_ONLY_DIR)
    target = layout.version_file(version)
    parquet_dir = layout.version_parquet(version)
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    temporary_parquet = parquet_dir.with_name(f".{parquet_dir.name}.{uuid.uuid4().hex}.tmp")
    previous_log = _previous_log(layout)
    try:
        temporary_parquet.mkdir(mode=OWNER_ONLY_DIR)
        con = duckdb.connect(str(temporary), config=duckdb_config())
        try:
            con.execute("set enable_progress_bar = false")
            os.chmod(temporary, OWNER_ONLY_FILE)
            con.execute("set preserve_insertion_order = false")  # published tables promise no row order
            warehouse.attach(con, "wh")
            con.execute(f"create schema {PUBLISHED_SCHEMA}")
            counts = _copy_tables(con, tables, temporary_parquet)
            entry = {
                "version": version, "published_at": datetime.now(UTC), "row_counts": json.dumps(counts),
                "check_summary": json.dumps(check_summary), "input_files": json.dumps(input_files),
                "erased_requests": _erased_requests(con),
            }
            warehouse.detach(con, "wh")
            _write_log(con, [*previous_log, entry])
        except BaseException:
            con.close()
            raise
        _close_durably(con, temporary)
        for parquet in temporary_parquet.iterdir():
            os.chmod(parquet, OWNER_ONLY_FILE)
            _fsync(parquet)
        verify_files(temporary, temporary_parquet, version, counts)
        os.replace(temporary_parquet, parquet_dir)
        os.replace(temporary, target)
        _fsync(layout.versions_dir)
    except BaseException:
        _discard(temporary, temporary_parquet, target, parquet_dir)
        raise
    return counts


def verify_files(database: Path, parquet_dir: Path | None, version: int, counts: dict[str, int]) -> None:
    """The file opens, its log ends with ``version``, and every table (and its Parquet) has its rows."""
    try:
        with duckdb.connect(str(database), read_only=True) as con:
            logged = con.execute(f"select max(version) from {LOG_TABLE}").fetchone()[0]
            if logged != version:
                raise BrokenVersion(f"{database.name}: its log ends at version {logged}, not {version}")
            for name, expected in counts.items():
                found = con.execute(f"select count(*) from {PUBLISHED_SCHEMA}.{name}").fetchone()[0]
                if found != expected:
                    raise BrokenVersion(f"{database.name}: {name} has {found} rows, {expected} were written")
                if parquet_dir is not None:
                    parquet = parquet_dir / f"{name}.parquet"
                    found = con.execute("select count(*) from read_parquet(?)", [str(parquet)]).fetchone()[0]
                    if found != expected:
                        raise BrokenVersion(f"{parquet.name}: {found} rows, {expected} were written")
    except duckdb.Error as exc:
        raise BrokenVersion(f"{database.name} is not a readable published version: {exc}") from exc


def logged_entry(layout: PublishLayout, version: int) -> dict:
    """The log entry a version wrote about itself (raises BrokenVersion when it cannot be read)."""
    try:
        entries = log_entries(layout.version_file(version))
    except duckdb.Error as exc:
        raise BrokenVersion(f"version {version} cannot be read: {exc}") from exc
    if not entries or entries[-1]["version"] != version:
        raise BrokenVersion(f"version {version} has no log entry of its own")
    return entries[-1]


def verify_version(layout: PublishLayout, version: int) -> dict:
    """A kept version is complete: every file there, every table with the rows its log says."""
    entry = logged_entry(layout, version)
    counts = json.loads(entry["row_counts"])
    verify_files(layout.version_file(version), layout.version_parquet(version), version, counts)
    if layout.version_pseudonymised(version).exists():
        verify_pseudonymised(layout.version_pseudonymised(version), counts)
    return entry


def _pseudonymised_column(column: str, rules: dict) -> str | None:
    """A column as the pseudonymised copy holds it; a column the rules do not name is left out."""
    quoted = f'"{column}"'
    if column in rules["hash"]:
        return f"case when {quoted} is null then null else sha256(getvariable('pseudonym_key') || '|' || cast({quoted} as varchar)) end as {quoted}"
    if column in rules["generalise"]:
        return f"{rules['generalise'][column]} as {quoted}"
    if column in rules["keep"]:
        return quoted
    return None


def pseudonymise_rules() -> dict:
    rules = read_yaml(PSEUDONYMISE_FILE)
    return {kind: rules.get(kind) or ({} if kind == "generalise" else []) for kind in ("hash", "drop", "generalise", "keep")}


def write_pseudonymised(version_file: Path, target: Path, key: str, tables: tuple[PublishedTable, ...]) -> None:
    """A copy of a written version with identifiers as keyed hashes and direct personal data removed."""
    rules = pseudonymise_rules()
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        con = duckdb.connect(str(temporary), config=duckdb_config())
        try:
            con.execute("set enable_progress_bar = false")
            os.chmod(temporary, OWNER_ONLY_FILE)
            con.execute("set variable pseudonym_key = ?", [key])
            con.execute("attach ? as published (read_only)", [str(version_file)])
            con.execute(f"create schema {PUBLISHED_SCHEMA}")
            counts = {}
            for table in tables:
                columns = [r[0] for r in con.execute(f"describe published.{PUBLISHED_SCHEMA}.{table.name}").fetchall()]
                selected = [c for c in (_pseudonymised_column(col, rules) for col in columns) if c]
                con.execute(
                    f"create table {PUBLISHED_SCHEMA}.{table.name} as select {', '.join(selected)} "
                    f"from published.{PUBLISHED_SCHEMA}.{table.name}"
                )
                counts[table.name] = con.execute(f"select count(*) from {PUBLISHED_SCHEMA}.{table.name}").fetchone()[0]
            con.execute("reset variable pseudonym_key")
            con.execute("detach published")
        except BaseException:
            con.close()
            raise
        _close_durably(con, temporary)
        verify_pseudonymised(temporary, counts)
        os.replace(temporary, target)
    except BaseException:
        _discard(temporary, target)
        raise


def verify_pseudonymised(database: Path, counts: dict[str, int]) -> None:
    try:
        with duckdb.connect(str(database), read_only=True) as con:
            for name, expected in counts.items():
                found = con.execute(f"select count(*) from {PUBLISHED_SCHEMA}.{name}").fetchone()[0]
                if found != expected:
                    raise BrokenVersion(f"{database.name}: {name} has {found} rows, {expected} expected")
    except duckdb.Error as exc:
        raise BrokenVersion(f"{database.name} is not readable: {exc}") from exc


def swap_in(layout: PublishLayout, version: int) -> None:
    """Make ``version`` the published one: atomic renames (DuckDB file, its pseudonymised copy, Parquet link)."""
    _atomic_hardlink(layout.version_file(version), layout.published)
    crash_point("publish_mid_swap")
    if layout.version_pseudonymised(version).exists():
        _atomic_hardlink(layout.version_pseudonymised(version), layout.pseudonymised)
    else:
        layout.pseudonymised.unlink(missing_ok=True)
    _atomic_symlink(layout.version_parquet(version), layout.parquet_link)
    _fsync(layout.data_dir)


def _erased_requests_of(layout: PublishLayout, version: int) -> int | None:
    try:
        return logged_entry(layout, version).get("erased_requests") or 0
    except BrokenVersion:
        return None


def remove_superseded_by_erasure(layout: PublishLayout) -> list[int]:
    """Delete every version written before an erasure the current version holds (and unreadable ones)."""
    current = layout.current_version()
    if current is None:
        return []
    floor = _erased_requests_of(layout, current) or 0
    doomed = []
    for version in layout.versions():
        erased = _erased_requests_of(layout, version)
        if version != current and (erased is None or erased < floor):
            doomed.append(version)
    for version in doomed:
        layout.remove_version(version)
    return doomed


def prune(layout: PublishLayout, keep: int) -> list[int]:
    """Delete all but the newest ``keep`` versions (never the current one)."""
    current = layout.current_version()
    versions = layout.versions()
    doomed = [v for v in versions[:-keep] if v != current] if keep > 0 else []
    for version in doomed:
        layout.remove_version(version)
    return doomed


def clean_interrupted(layout: PublishLayout) -> None:
    """Leftovers of a publish that died half-way (files, their write-ahead logs, folders); they were never
    visible to readers."""
    for folder in (layout.versions_dir, layout.data_dir):
        if folder.exists():
            for leftover in folder.glob(".*.tmp*"):
                _discard(leftover)


def publish(
    warehouse: Warehouse, data_dir: Path, check_summary: dict, input_files: list[str], keep: int = 5
) -> PublishResult:
    layout = PublishLayout(data_dir)
    clean_interrupted(layout)
    version = max(layout.versions(), default=0) + 1
    counts = write_version(warehouse, layout, version, check_summary, input_files)
    key = settings().pseudonym_key
    try:
        if key:
            write_pseudonymised(layout.version_file(version), layout.version_pseudonymised(version), key, published_tables())
    except BaseException:
        layout.remove_version(version)
        raise
    crash_point("publish_before_swap")
    swap_in(layout, version)
    removed = remove_superseded_by_erasure(layout) + prune(layout, keep)
    return PublishResult(version, layout.published, layout.parquet_link, counts, removed)


def rollback(data_dir: Path) -> tuple[int, list[str]]:
    """Publish again the newest complete version before the current one that holds every erasure the
    current one holds; returns it and why newer candidates were passed over."""
    layout = PublishLayout(data_dir)
    clean_interrupted(layout)
    current = layout.current_version()
    floor = (_erased_requests_of(layout, current) or 0) if current is not None else 0
    passed_over = []
    for version in reversed([v for v in layout.versions() if current is None or v < current]):
        try:
            entry = verify_version(layout, version)
        except BrokenVersion as exc:
            passed_over.append(f"version {version}: {exc}")
            continue
        if (entry.get("erased_requests") or 0) < floor:
            passed_over.append(f"version {version}: written before an erasure request was applied")
            continue
        swap_in(layout, version)
        return version, passed_over
    reasons = "; ".join(passed_over) or "none is kept"
    raise RuntimeError(f"no complete version older than {current} to roll back to in {layout.versions_dir} ({reasons})")
