"""Files that hold personal data (the warehouse, published versions, quality docs, run logs) are the
owner's alone, whatever the umask of the shell or service that started the process."""

from __future__ import annotations

import os
import stat
from pathlib import Path

OWNER_ONLY_UMASK = 0o077


def owner_only_umask() -> None:
    """Everything this process creates from now on is readable by its owner only."""
    os.umask(OWNER_ONLY_UMASK)


def make_owner_only(path: Path, recursive: bool = False) -> None:
    """Take group and other permissions away from ``path`` (and, recursively, from what a folder holds)."""
    items = [path, *path.rglob("*")] if recursive and path.is_dir() else [path]
    for item in items:
        if item.is_symlink() or not item.exists():
            continue
        mode = stat.S_IMODE(item.stat().st_mode)
        if mode & 0o077:
            os.chmod(item, mode & 0o700)


def owner_only_dir(path: Path) -> Path:
    """Create ``path`` (and its parents) if needed, and make it the owner's only."""
    path.mkdir(parents=True, exist_ok=True)
    make_owner_only(path)
    return path
