"""The landing folder: which files are there, and what their paths say about them.

Layout: ``<landing>/<channel>/<entity>/<YYYY-MM-DD>[<anything>].<ext>``.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

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


def _walk(landing_dir: Path) -> Iterator[tuple[Path, os.stat_result | OSError]]:
    """Every entry below the landing folder with its own (not followed) status, or the error that kept
    a folder from being listed. Symbolic links, including links to folders, are never followed."""
    pending = [landing_dir]
    while pending:
        folder = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            if folder != landing_dir:
                yield folder, exc
            continue
        for entry in entries:
            try:
                status = entry.stat(follow_symlinks=False)
            except OSError:
                continue  # vanished since the listing
            yield Path(entry.path), status
            if stat.S_ISDIR(status.st_mode):
                pending.append(Path(entry.path))


def _regular_files(landing_dir: Path) -> Iterator[Path]:
    if landing_dir.is_dir():
        for path, status in _walk(landing_dir):
            if isinstance(status, os.stat_result) and stat.S_ISREG(status.st_mode):
                yield path


def scan(landing_dir: Path) -> list[LandingFile]:
    """Every export file in the landing folder (regular files only), in a stable order."""
    files = (describe(p, landing_dir) for p in _regular_files(landing_dir))
    return sorted((f for f in files if f is not None), key=lambda f: f.relative)


def misplaced_files(landing_dir: Path) -> list[Path]:
    """Files at a depth the layout does not allow (they can belong to no entity)."""
    return sorted(
        p
        for p in _regular_files(landing_dir)
        if len(p.relative_to(landing_dir).parts) != 3
        and p.relative_to(landing_dir).parts[0] not in NON_EXPORT_FOLDERS
        and not p.name.startswith(".")
    )


_KINDS = (
    (stat.S_ISLNK, "symbolic link"),
    (stat.S_ISFIFO, "named pipe"),
    (stat.S_ISSOCK, "socket"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
)


def _irregular_reason(path: Path, status: os.stat_result | OSError, landing_dir: Path) -> str | None:
    """Why an entry is not read, or None for what the layout expects (regular files, the folders
    above the files)."""
    if isinstance(status, OSError):
        return f"a folder that cannot be listed ({status.strerror}): its files cannot be read"
    if stat.S_ISREG(status.st_mode):
        return None
    if stat.S_ISDIR(status.st_mode):
        # an empty folder where export files belong (one with files has them reported as misplaced)
        if len(path.relative_to(landing_dir).parts) == 3 and _is_empty_folder(path):
            return "an empty folder where export files belong: files are <channel>/<entity>/<YYYY-MM-DD>….<ext>"
        return None
    kind = next((name for test, name in _KINDS if test(status.st_mode)), "special file")
    if kind != "symbolic link":
        return f"a {kind}, not a regular file: only regular files are read"
    where = "inside" if Path(os.path.realpath(path)).is_relative_to(landing_dir.resolve()) else "outside"
    return f"a symbolic link to a place {where} the landing folder: links are never followed, only regular files are read"


def _is_empty_folder(path: Path) -> bool:
    try:
        with os.scandir(path) as entries:
            return next(entries, None) is None
    except OSError:
        return False


def irregular_entries(landing_dir: Path) -> list[tuple[Path, str]]:
    """Everything in the landing folder that is not read although it is no hidden or erasure entry
    (links, pipes, sockets, devices, unlistable folders, folders named like files), with the reason."""
    if not landing_dir.is_dir():
        return []
    found = []
    for path, status in _walk(landing_dir):
        relative = path.relative_to(landing_dir)
        if relative.parts[0] in NON_EXPORT_FOLDERS or any(part.startswith(".") for part in relative.parts):
            continue
        reason = _irregular_reason(path, status, landing_dir)
        if reason:
            found.append((path, reason))
    return sorted(found)


@contextmanager
def open_regular(path: Path) -> Iterator[BinaryIO]:
    """The file opened for reading only if it is still a regular file: never follows a link, never
    blocks on a pipe or a device (the check is on the opened descriptor, so a swap after the scan
    cannot slip through)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        os.set_blocking(fd, True)
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        yield handle


def file_hash(path: Path) -> str:
    digest = hashlib.blake2b(digest_size=16)
    with open_regular(path) as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def text_hash(text: str) -> str:
    """A stand-in hash for an entry whose bytes cannot be read (a link, an unreadable file), so that
    the same state is not recorded again every night."""
    return "nobytes-" + hashlib.blake2b(text.encode(), digest_size=8).hexdigest()
