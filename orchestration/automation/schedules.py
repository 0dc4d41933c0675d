"""The nightly schedule: 02:00 Asia/Shanghai, everything in the landing folder (unchanged files skip)."""


import dagster as dg

from ..partitions import TIMEZONE
from ..resources import LandingResource, WarehouseResource
from .jobs import landing_date_range, nightly_job, partition_range_tags, require_landing_files


@dg.schedule(job=nightly_job, cron_schedule="0 2 * * *", execution_timezone=TIMEZONE, name="nightly_schedule")
def nightly_schedule(context: dg.ScheduleEvaluationContext, landing: LandingResource, warehouse: WarehouseResource):
    """Beside a warehouse of real data, a missing or empty landing folder fails the tick (a share that
    went away is not a quiet night); before the first run it is only a skip."""
    if warehouse.database.exists():
        require_landing_files(landing.directory)
    span = landing_date_range(landing.directory)
    if span is None:
        return dg.SkipReason(f"no export files in {landing.directory}")
    return dg.RunRequest(run_key=None, tags=partition_range_tags(*span))
