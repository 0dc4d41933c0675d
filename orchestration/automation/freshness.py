"""Freshness: a check per channel entity that fails when its channel has sent no file for too long."""

from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from ..ingest.assets import raw_asset_key
from ..ingest.landing import scan
from ..ingest.schema import Entity, load_entities
from ..lib.yaml_files import read_yaml
from ..partitions import TIMEZONE
from ..resources import LandingResource

FRESHNESS_FILE = Path(__file__).with_name("freshness.yaml")


@cache
def max_silent_days(channel: str) -> int:
    spec = read_yaml(FRESHNESS_FILE)
    return int(spec.get("channels", {}).get(channel, spec["default_max_silent_days"]))


def latest_file_dates(landing_dir: Path) -> dict[str, date]:
    latest: dict[str, date] = {}
    for file in scan(landing_dir):
        if file.file_date and file.file_date > latest.get(file.qualified_entity, date.min):
            latest[file.qualified_entity] = file.file_date
    return latest


def silence(entity: Entity, latest: dict[str, date], today: date) -> tuple[bool, int | None]:
    """(fresh, days since the entity's latest file); never fresh when it never sent one."""
    last = latest.get(entity.qualified_name)
    if last is None:
        return False, None
    days = (today - last).days
    return days <= max_silent_days(entity.channel), days


def _spec(entity: Entity) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        name="freshness",
        asset=raw_asset_key(entity),
        description=f"{entity.channel} has sent a {entity.name} export in the last {max_silent_days(entity.channel)} days",
    )


@dg.multi_asset_check(specs=[_spec(e) for e in load_entities()], can_subset=True, name="landing_freshness")
def landing_freshness(context: dg.AssetCheckExecutionContext, landing: LandingResource):
    today = datetime.now(ZoneInfo(TIMEZONE)).date()
    latest = latest_file_dates(landing.directory)
    selected = {key.asset_key for key in context.selected_asset_check_keys}
    for entity in load_entities():
        if raw_asset_key(entity) not in selected:
            continue
        fresh, days = silence(entity, latest, today)
        yield dg.AssetCheckResult(
            asset_key=raw_asset_key(entity),
            check_name="freshness",
            passed=fresh,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "days_since_last_file": days if days is not None else -1,
                "max_silent_days": max_silent_days(entity.channel),
                "latest_file_date": str(latest.get(entity.qualified_name, "never")),
            },
        )
