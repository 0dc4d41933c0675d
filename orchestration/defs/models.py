"""The dbt project: staging, identity, orders, customers, profiles and marts, with the dbt CLI resource."""

import dagster as dg
from dagster_dbt import DbtCliResource

from ..dbt.assets import dbt_models
from ..dbt.project import dbt_executable, dbt_project

defs = dg.Definitions(
    assets=[dbt_models],
    resources={
        "dbt": DbtCliResource(
            project_dir=dbt_project(),
            profiles_dir=str(dbt_project().profiles_dir),
            dbt_executable=dbt_executable(),
        ),
    },
)
