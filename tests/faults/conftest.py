"""Fixtures of the fault-and-bad-input suite: a small filesystem to fill, personal values to look for."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


@pytest.fixture
def small_disk(tmp_path):
    """A 16 MiB tmpfs (root only: mounting needs it), unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("the disk-full case mounts a small tmpfs, which needs root")
    if shutil.which("mount") is None:
        pytest.skip("no mount command on this machine")
    mount_point = tmp_path / "small_disk"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount_point)], capture_output=True, text=True)
    if mounted.returncode:
        pytest.skip(f"could not mount a tmpfs here: {mounted.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _fill(mount_point: Path, leave_bytes: int) -> Path:
    filler = mount_point / "filler.bin"
    free = shutil.disk_usage(mount_point).free
    with filler.open("wb") as handle:
        handle.truncate(0)
        chunk = b"\0" * (1 << 20)
        remaining = max(free - leave_bytes, 0)
        while remaining > 0:
            remaining -= handle.write(chunk[: min(len(chunk), remaining)])
    return filler


@pytest.fixture
def fill_disk():
    """``fill_disk(mount_point, leave_bytes)`` takes all but ``leave_bytes`` of its free space."""
    return _fill
