"""When runs happen and who hears of them: the nightly job and schedule, the landing sensor, the
landing folder's freshness, and the failure alert."""

import dagster as dg

from ..automation.alerts import run_failure_alert
from ..automation.freshness import landing_freshness
from ..automation.jobs import nightly_job
from ..automation.schedules import nightly_schedule
from ..automation.sensors import landing_sensor

defs = dg.Definitions(
    asset_checks=[landing_freshness],
    jobs=[nightly_job],
    schedules=[nightly_schedule],
    sensors=[landing_sensor, run_failure_alert],
)
