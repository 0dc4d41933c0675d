"""The nightly job: ingest, models, quality gate and publish, as one run."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg

from ..ingest.landing import scan
from ..partitions import partition_bounds

NIGHTLY_JOB = "nightly"

nightly_job = dg.define_asset_job(
    NIGHTLY_JOB,
    selection=dg.AssetSelection.all(),
    description="Everything new in the landing folder through ingest, dbt models, the quality gate and publish.",
)


def partition_range_tags(first: date, last: date) -> dict[str, str]:
    """Run tags that make one run cover the partitions first..last (the raw assets load them at once)."""
    return {
        "dagster/asset_partition_range_start": first.isoformat(),
        "dagster/asset_partition_range_end": last.isoformat(),
    }


class LandingUnavailable(RuntimeError):
    """No landing folder, or nothing in it: a clear failure, never a run on nothing (or on invented data)."""


def require_landing_files(landing_dir: Path) -> None:
    if not landing_dir.is_dir():
        raise LandingUnavailable(f"the landing folder {landing_dir} does not exist (is $C360_LANDING_DIR right, the share mounted?)")
    if not any(p.is_file() for p in landing_dir.rglob("*")):
        raise LandingUnavailable(f"the landing folder {landing_dir} holds no export files: nothing to run on")


def landing_date_range(landing_dir) -> tuple[date, date] | None:
    """The span of file dates in the landing folder, clipped to the partitions."""
    start, end = partition_bounds()
    dates = [f.file_date for f in scan(landing_dir) if f.file_date and start <= f.file_date <= end]
    if not dates:
        return None
    return min(dates), max(dates)
