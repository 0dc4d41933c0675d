"""Publishing whole versions: write a new DuckDB file and Parquet folder beside the old, then swap the
names atomically (rename), so a reader sees the previous complete version or the new one, never a mix.

Layout under the data folder::

    published.duckdb                 -> hard link to the current version's file
    published_pseudonymised.duckdb   -> hard link to its pseudonymised copy (when a key is configured)
    published_parquet                -> symlink to the current version's Parquet folder
    published_versions/v000007.duckdb
    published_versions/v000007.pseudonymised.duckdb
    published_versions/v000007/<table>.parquet
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import yaml

from ..faults import crash_point
from ..settings import duckdb_config
from .tables import PUBLISHED_SCHEMA, SOURCE_SCHEMA, PublishedTable, published_tables

OWNER_ONLY_FILE = stat.S_IRUSR | stat.S_IWUSR
OWNER_ONLY_DIR = stat.S_IRWXU
LOG_TABLE = f"{PUBLISHED_SCHEMA}._publish_log"
PSEUDONYM_KEY_ENV = "C360_PSEUDONYM_KEY"
PSEUDONYMISE_FILE = Path(__file__).with_name("pseudonymise.yaml")


@dataclass(frozen=True)
class PublishLayout:
    data_dir: Path

    @property
    def published(self) -> Path:
        return self.data_dir / "published.duckdb"

    @property
    def pseudonymised(self) -> Path:
        return self.data_dir / "published_pseudonymised.duckdb"

    @property
    def parquet_link(self) -> Path:
        return self.data_dir / "published_parquet"

    @property
    def versions_dir(self) -> Path:
        return self.data_dir / "published_versions"

    def version_file(self, version: int) -> Path:
        return self.versions_dir / f"v{version:06d}.duckdb"

    def version_pseudonymised(self, version: int) -> Path:
        return self.versions_dir / f"v{version:06d}.pseudonymised.duckdb"

    def version_parquet(self, version: int) -> Path:
        return self.versions_dir / f"v{version:06d}"

    def versions(self) -> list[int]:
        if not self.versions_dir.exists():
            return []
        return sorted(int(p.stem[1:]) for p in self.versions_dir.glob("v*.duckdb") if p.stem[1:].isdigit())

    def current_version(self) -> int | None:
        if not self.published.exists():
            return None
        current = self.published.stat().st_ino
        for version in self.versions():
            if self.version_file(version).stat().st_ino == current:
                return version
        return None


@dataclass
class PublishResult:
    version: int
    path: Path
    parquet: Path
    row_counts: dict[str, int]


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


def _select_columns(con: duckdb.DuckDBPyConnection, table: PublishedTable) -> str:
    present = [r[0] for r in con.execute(f"describe wh.{SOURCE_SCHEMA}.{table.name}").fetchall()]
    missing = [c for c in table.columns if c not in present]
    if missing:
        raise ValueError(f"marts.{table.name} lacks published columns {missing}")
    ordered = list(table.columns) + [c for c in present if c not in table.columns]
    return ", ".join(f'"{c}"' for c in ordered)


def _previous_log(layout: PublishLayout) -> list[tuple]:
    if not layout.published.exists():
        return []
    with duckdb.connect(str(layout.published), read_only=True) as con:
        return con.execute(f"select * from {LOG_TABLE} order by version").fetchall()


def write_version(
    warehouse: Path,
    layout: PublishLayout,
    version: int,
    check_summary: dict,
    input_files: list[str],
    tables: tuple[PublishedTable, ...] | None = None,
) -> dict[str, int]:
    """Write version ``version`` (DuckDB file and Parquet) beside the current one; swap nothing yet."""
    tables = tables or published_tables()
    layout.versions_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(layout.versions_dir, OWNER_ONLY_DIR)
    target = layout.version_file(version)
    parquet_dir = layout.version_parquet(version)
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    temporary_parquet = parquet_dir.with_name(f".{parquet_dir.name}.{uuid.uuid4().hex}.tmp")
    temporary_parquet.mkdir(mode=OWNER_ONLY_DIR)
    previous_log = _previous_log(layout)
    counts: dict[str, int] = {}
    try:
        with duckdb.connect(str(temporary), config=duckdb_config()) as con:
            os.chmod(temporary, OWNER_ONLY_FILE)
            con.execute("set preserve_insertion_order = false")  # published tables promise no row order
            con.execute("attach ? as wh (read_only)", [str(warehouse)])
            con.execute(f"create schema {PUBLISHED_SCHEMA}")
            for table in tables:
                con.execute(
                    f"create table {PUBLISHED_SCHEMA}.{table.name} as "
                    f"select {_select_columns(con, table)} from wh.{SOURCE_SCHEMA}.{table.name}"
                )
                counts[table.name] = con.execute(f"select count(*) from {PUBLISHED_SCHEMA}.{table.name}").fetchone()[0]
                con.execute(
                    f"copy {PUBLISHED_SCHEMA}.{table.name} to '{temporary_parquet / (table.name + '.parquet')}' (format parquet)"
                )
            con.execute("detach wh")
            con.execute(
                f"create table {LOG_TABLE} (version bigint, published_at timestamptz, row_counts json, "
                "check_summary json, input_files json)"
            )
            if previous_log:
                con.executemany(f"insert into {LOG_TABLE} values (?, ?, ?, ?, ?)", previous_log)
            con.execute(
                f"insert into {LOG_TABLE} values (?, ?, ?, ?, ?)",
                [version, datetime.now(timezone.utc), json.dumps(counts), json.dumps(check_summary), json.dumps(input_files)],
            )
        for parquet in temporary_parquet.iterdir():
            os.chmod(parquet, OWNER_ONLY_FILE)
        _fsync(temporary)
        os.replace(temporary_parquet, parquet_dir)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        shutil.rmtree(temporary_parquet, ignore_errors=True)
        raise
    return counts


def _pseudonymised_column(column: str, rules: dict) -> str | None:
    quoted = f'"{column}"'
    if column in rules.get("drop", []):
        return None
    if column in rules.get("hash", []):
        return f"case when {quoted} is null then null else sha256(getvariable('pseudonym_key') || '|' || cast({quoted} as varchar)) end as {quoted}"
    if column in rules.get("generalise", {}):
        return f"{rules['generalise'][column]} as {quoted}"
    return quoted


def write_pseudonymised(version_file: Path, target: Path, key: str, tables: tuple[PublishedTable, ...]) -> None:
    """A copy of a written version with identifiers as keyed hashes and direct personal data removed."""
    rules = yaml.safe_load(PSEUDONYMISE_FILE.read_text(encoding="utf-8"))
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        with duckdb.connect(str(temporary), config=duckdb_config()) as con:
            os.chmod(temporary, OWNER_ONLY_FILE)
            con.execute("set variable pseudonym_key = ?", [key])
            con.execute("attach ? as published (read_only)", [str(version_file)])
            con.execute(f"create schema {PUBLISHED_SCHEMA}")
            for table in tables:
                columns = [r[0] for r in con.execute(f"describe published.{PUBLISHED_SCHEMA}.{table.name}").fetchall()]
                selected = [c for c in (_pseudonymised_column(col, rules) for col in columns) if c]
                con.execute(
                    f"create table {PUBLISHED_SCHEMA}.{table.name} as select {', '.join(selected)} "
                    f"from published.{PUBLISHED_SCHEMA}.{table.name}"
                )
            con.execute("reset variable pseudonym_key")
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def swap_in(layout: PublishLayout, version: int) -> None:
    """Make ``version`` the published one: atomic renames (DuckDB file, its pseudonymised copy, Parquet link)."""
    _atomic_hardlink(layout.version_file(version), layout.published)
    crash_point("publish_mid_swap")
    if layout.version_pseudonymised(version).exists():
        _atomic_hardlink(layout.version_pseudonymised(version), layout.pseudonymised)
    else:
        layout.pseudonymised.unlink(missing_ok=True)
    _atomic_symlink(layout.version_parquet(version), layout.parquet_link)


def prune(layout: PublishLayout, keep: int) -> list[int]:
    """Delete all but the newest ``keep`` versions (never the current one)."""
    current = layout.current_version()
    versions = layout.versions()
    doomed = [v for v in versions[:-keep] if v != current] if keep > 0 else []
    for version in doomed:
        layout.version_file(version).unlink(missing_ok=True)
        layout.version_pseudonymised(version).unlink(missing_ok=True)
        shutil.rmtree(layout.version_parquet(version), ignore_errors=True)
    return doomed


def clean_interrupted(layout: PublishLayout) -> None:
    """Leftovers of a publish that died half-way; they were never visible to readers."""
    for folder in (layout.versions_dir, layout.data_dir):
        if folder.exists():
            for leftover in folder.glob(".*.tmp"):
                if leftover.is_dir() and not leftover.is_symlink():
                    shutil.rmtree(leftover, ignore_errors=True)
                else:
                    leftover.unlink(missing_ok=True)


def publish(
    warehouse: Path, data_dir: Path, check_summary: dict, input_files: list[str], keep: int = 5
) -> PublishResult:
    layout = PublishLayout(data_dir)
    clean_interrupted(layout)
    version = max(layout.versions(), default=0) + 1
    counts = write_version(warehouse, layout, version, check_summary, input_files)
    key = os.environ.get(PSEUDONYM_KEY_ENV)
    if key:
        write_pseudonymised(layout.version_file(version), layout.version_pseudonymised(version), key, published_tables())
    crash_point("publish_before_swap")
    swap_in(layout, version)
    prune(layout, keep)
    return PublishResult(version, layout.published, layout.parquet_link, counts)


def rollback(data_dir: Path) -> int:
    """Publish again the version before the current one; returns it."""
    layout = PublishLayout(data_dir)
    current = layout.current_version()
    older = [v for v in layout.versions() if current is None or v < current]
    if not older:
        raise RuntimeError(f"no version older than {current} to roll back to in {layout.versions_dir}")
    swap_in(layout, older[-1])
    return older[-1]
