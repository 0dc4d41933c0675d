"""The landing folder: which files are there, and what their paths say about them.

Layout: ``<landing>/<channel>/<entity>/<YYYY-MM-DD>[<anything>].<ext>``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

FORMATS = ("csv.gz", "csv", "xlsx", "jsonl")
_DATE_PREFIX = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
# Folders in the landing area that are not channel exports (handled elsewhere or ignored).
NON_EXPORT_FOLDERS = frozenset({"erasure", "identity"})


@dataclass(frozen=True)
class LandingFile:
    path: Path
    relative: str  # posix path below the landing folder, the file's identity
    channel: str
    entity: str
    file_date: date | None
    format: str | None

    @property
    def qualified_entity(self) -> str:
        return f"{self.channel}/{self.entity}"

    @property
    def partition_key(self) -> str | None:
        return self.file_date.isoformat() if self.file_date else None


def file_format(name: str) -> str | None:
    lowered = name.lower()
    for fmt in FORMATS:
        if lowered.endswith("." + fmt):
            return fmt
    return None


def file_date(name: str) -> date | None:
    match = _DATE_PREFIX.match(name)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def describe(path: Path, landing_dir: Path) -> LandingFile | None:
    """The landing file at ``path``; None for files outside the ``channel/entity/file`` layout."""
    relative = path.relative_to(landing_dir)
    parts = relative.parts
    if len(parts) != 3 or parts[0] in NON_EXPORT_FOLDERS or parts[-1].startswith("."):
        return None
    channel, entity, name = parts
    return LandingFile(
        path=path,
        relative=relative.as_posix(),
        channel=channel,
        entity=entity,
        file_date=file_date(name),
        format=file_format(name),
    )


def scan(landing_dir: Path) -> list[LandingFile]:
    """Every export file in the landing folder, in a stable order."""
    if not landing_dir.exists():
        return []
    files = (describe(p, landing_dir) for p in landing_dir.rglob("*") if p.is_file())
    return sorted((f for f in files if f is not None), key=lambda f: f.relative)


def misplaced_files(landing_dir: Path) -> list[Path]:
    """Files at a depth the layout does not allow (they can belong to no entity)."""
    if not landing_dir.exists():
        return []
    return sorted(
        p
        for p in landing_dir.rglob("*")
        if p.is_file()
        and len(p.relative_to(landing_dir).parts) != 3
        and p.relative_to(landing_dir).parts[0] not in NON_EXPORT_FOLDERS
        and not p.name.startswith(".")
    )


def file_hash(path: Path) -> str:
    digest = hashlib.blake2b(digest_size=16)
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
