"""Every dbt model as a Dagster asset, built by one ``dbt build`` step that writes the warehouse."""

import os

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from ..ingest.assets import TRANSIENT_RETRY, WAREHOUSE_POOL
from ..resources import WarehouseResource
from .project import dbt_project
from .translator import C360DbtTranslator


def _with_row_count(event, con):
    """dbt holds the warehouse while it runs, so row counts are read once it has finished."""
    if not isinstance(event, (dg.Output, dg.AssetMaterialization, dg.MaterializeResult)):
        return event
    key = event.asset_key if not isinstance(event, dg.Output) else None
    metadata = event.metadata or {}
    relation = metadata.get("dagster/relation_identifier")
    table = relation.value if relation is not None else None
    if not table:
        return event
    schema_table = ".".join(table.split(".")[-2:])
    try:
        count = con.execute(f"select count(*) from {schema_table}").fetchone()[0]
    except Exception:  # a view or a model that dbt skipped: no count to add
        return event
    return event.with_metadata({**metadata, "dagster/row_count": count})


@dbt_assets(
    manifest=dbt_project().manifest_path,
    project=dbt_project(),
    dagster_dbt_translator=C360DbtTranslator(),
    pool=WAREHOUSE_POOL,
    retry_policy=TRANSIENT_RETRY,
    name="dbt_models",
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """Staging, identity and marts models with their dbt tests (shown as asset checks)."""
    os.environ["C360_WAREHOUSE"] = str(warehouse.database)
    invocation = dbt.cli(["build"], context=context, raise_on_error=False)
    events = list(invocation.stream())
    with warehouse.connect(read_only=True) as con:
        events = [_with_row_count(e, con) for e in events]
    yield from events
    if not invocation.is_successful():
        raise dg.Failure(
            description=f"dbt build failed: {invocation.get_error() or 'see the dbt logs'}",
            metadata={"dbt_logs": str(invocation.target_path / "dbt.log")},
        )
