"""Sensors: a run for new or changed landing files (their partitions only), and alerts on failures."""

import json

import dagster as dg

from ..ingest.assets import raw_asset_key
from ..ingest.landing import LandingFile, scan
from ..ingest.schema import entities_by_name
from ..partitions import partition_bounds
from ..resources import LandingResource
from .jobs import NIGHTLY_JOB, partition_range_tags


def file_signature(file: LandingFile) -> str:
    stat = file.path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def changed_files(files: list[LandingFile], seen: dict[str, str]) -> list[LandingFile]:
    return [f for f in files if seen.get(f.relative) != file_signature(f)]


def landing_run_request(changed: list[LandingFile], asset_graph) -> dg.RunRequest | None:
    """One run over the changed files' dates, for the raw assets they belong to and everything downstream."""
    first, last = partition_bounds()
    entities = entities_by_name()
    loadable = [f for f in changed if f.qualified_entity in entities and f.file_date and first <= f.file_date <= last]
    if not loadable:
        return None
    dates = sorted({f.file_date for f in loadable})
    changed_raw = {raw_asset_key(entities[f.qualified_entity]) for f in loadable}
    selection = dg.AssetSelection.assets(*changed_raw).downstream().resolve(asset_graph)
    return dg.RunRequest(
        run_key=None,
        asset_selection=sorted(selection, key=lambda k: k.to_user_string()),
        tags={**partition_range_tags(dates[0], dates[-1]), "c360/changed_files": str(len(loadable))},
    )


@dg.sensor(
    job_name=NIGHTLY_JOB,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Starts a run for new or changed files in the landing folder (their entities and dates only).",
)
def landing_sensor(context: dg.SensorEvaluationContext, landing: LandingResource):
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    files = scan(landing.directory)
    changed = changed_files(files, seen)
    if not changed:
        return dg.SkipReason(f"no new or changed files in {landing.directory}")
    request = landing_run_request(changed, context.repository_def.asset_graph)
    cursor = json.dumps({f.relative: file_signature(f) for f in files}, sort_keys=True)
    if request is None:
        return dg.SensorResult(skip_reason=dg.SkipReason(f"{len(changed)} changed files, none loadable"), cursor=cursor)
    return dg.SensorResult(run_requests=[request], cursor=cursor)
