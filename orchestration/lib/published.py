"""The published versions on disk: where each version's files are, which one is current, and each
version's publish log. Read by the publish step, the quality gate (volumes against the published
version), rollback and the customer card service."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

PUBLISHED_SCHEMA = "c360"
LOG_TABLE = f"{PUBLISHED_SCHEMA}._publish_log"
LOG_COLUMNS = {
    "version": "bigint",
    "published_at": "timestamptz",
    "row_counts": "json",
    "check_summary": "json",
    "input_files": "json",
    "erased_requests": "bigint",
}


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

    def version_card_store(self, version: int, inode: int) -> Path:
        """The card service's store of a version (orchestration/serve/store.py), named by its file's inode."""
        return self.versions_dir / f"v{version:06d}.cards-{inode}"

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

    def remove_version(self, version: int) -> None:
        self.version_file(version).unlink(missing_ok=True)
        self.version_pseudonymised(version).unlink(missing_ok=True)
        shutil.rmtree(self.version_parquet(version), ignore_errors=True)
        for card_store in self.versions_dir.glob(f"v{version:06d}.cards-*"):
            shutil.rmtree(card_store, ignore_errors=True)


def log_entries(database: Path) -> list[dict]:
    """A version file's publish log (entries written before a column existed lack it)."""
    with duckdb.connect(str(database), read_only=True) as con:
        cursor = con.execute(f"select * from {LOG_TABLE} order by version")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]
