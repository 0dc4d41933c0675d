"""The Dagster code location: it only assembles what the modules beside it define."""

from __future__ import annotations

import dagster as dg
from dagster_dbt import DbtCliResource

from .automation.alerts import run_failure_alert
from .automation.freshness import landing_freshness
from .automation.jobs import nightly_job
from .automation.schedules import nightly_schedule
from .automation.sensors import landing_sensor
from .dbt.assets import dbt_models
from .dbt.project import dbt_executable, dbt_project
from .erasure.assets import erasure
from .identity.assets import identity_inputs
from .ingest.assets import ingest_summary, raw_exports
from .lib.files import owner_only_umask
from .publish.assets import published_tables_asset
from .quality.checks import quality_gate
from .resources import LandingResource, WarehouseResource

owner_only_umask()  # the run workers this code location starts write personal data: owner-only, whatever started them

defs = dg.Definitions(
    assets=[raw_exports, erasure, ingest_summary, identity_inputs, dbt_models, published_tables_asset],
    asset_checks=[quality_gate, landing_freshness],
    jobs=[nightly_job],
    schedules=[nightly_schedule],
    sensors=[landing_sensor, run_failure_alert],
    resources={
        "warehouse": WarehouseResource(),
        "landing": LandingResource(),
        "dbt": DbtCliResource(
            project_dir=dbt_project(),
            profiles_dir=str(dbt_project().profiles_dir),
            dbt_executable=dbt_executable(),
        ),
    },
)
