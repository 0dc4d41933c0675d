"""Fixtures shared by the whole suite."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / "shared"
SAMPLES_DIR = SHARED_DIR / "samples"


@pytest.fixture(scope="session")
def shared_samples() -> Path:
    """The labelled sample beside the repository (../shared/samples); tests using it skip without it."""
    if not (SAMPLES_DIR / "landing").is_dir() or not (SAMPLES_DIR / "truth").is_dir():
        pytest.skip(f"the labelled sample is not at {SAMPLES_DIR} (../shared is absent from this checkout)")
    return SAMPLES_DIR
