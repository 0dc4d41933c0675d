"""Every dbt model as a Dagster asset, built by one ``dbt build`` step that writes the warehouse."""

import shutil
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource, dbt_assets
from pydantic import Field

from ..ingest.assets import TRANSIENT_RETRY, WAREHOUSE_POOL
from ..lib.settings import child_environment
from ..lib.warehouse import is_lock_conflict
from ..resources import WarehouseResource
from .project import dbt_project
from .translator import C360DbtTranslator

# One-row queries whose columns become numeric metadata on a model's materialisation, so the UI plots
# them across runs (identity statistics, merges).
MODEL_METADATA_SQL = {
    "int_identity__resolution_stats": "select * exclude (resolved_at) from intermediate.int_identity__resolution_stats",
    "customers": "select count(*) as customers, (select count(*) from marts.customer_id_history) as merged_ids "
    "from marts.customers",
}


def _one_row_metadata(con, sql: str) -> dict:
    cursor = con.execute(sql)
    row = cursor.fetchone()
    names = [d[0] for d in cursor.description]
    return {n: v for n, v in zip(names, row or ()) if isinstance(v, (int, float)) and not isinstance(v, bool)}


def _with_warehouse_metadata(event, con):
    """dbt holds the warehouse while it runs, so row counts and statistics are read once it has finished."""
    if not isinstance(event, (dg.Output, dg.AssetMaterialization, dg.MaterializeResult)):
        return event
    metadata = dict(event.metadata or {})
    relation = metadata.get("dagster/relation_identifier")
    table = relation.value if relation is not None else None
    if not table:
        return event
    schema, name = table.split(".")[-2:]
    try:
        metadata["dagster/row_count"] = con.execute(f"select count(*) from {schema}.{name}").fetchone()[0]
        if name in MODEL_METADATA_SQL:
            metadata.update(_one_row_metadata(con, MODEL_METADATA_SQL[name]))
        if name == "identity_links":
            from ..identity.explain import largest_customers

            metadata["largest_customers_explained"] = dg.MetadataValue.md(largest_customers(con))
    except duckdb.Error:  # a model that dbt skipped or that failed: nothing to add
        return event
    return event.with_metadata(metadata)


KEEP_DBT_RUN_FOLDERS = 5


def _prune_run_folders(target: Path, keep: int = KEEP_DBT_RUN_FOLDERS) -> None:
    """dagster-dbt gives every invocation its own target folder; keep only the newest few."""
    folders = sorted((p for p in target.glob("dbt_models-*") if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for folder in folders[:-keep]:
        shutil.rmtree(folder, ignore_errors=True)


class DbtBuildConfig(dg.Config):
    """Launchpad options of the dbt step."""

    full_refresh: bool = Field(
        default=False,
        description="Rebuild incremental models (staging) from all raw rows: needed after a change to a "
        "staging model's SQL. The identity registry keeps its ids either way (full_refresh: false).",
    )


@dbt_assets(
    manifest=dbt_project().manifest_path,
    project=dbt_project(),
    dagster_dbt_translator=C360DbtTranslator(),
    pool=WAREHOUSE_POOL,
    retry_policy=TRANSIENT_RETRY,
    name="dbt_models",
)
def dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource, config: DbtBuildConfig
):
    """Staging, identity and marts models with their dbt tests (shown as asset checks)."""
    engine = warehouse.warehouse
    cleared = engine.clear_abandoned_spark_writes()
    if cleared:
        context.log.info(f"{len(cleared)} folders left by killed Spark builds removed: {', '.join(p.name for p in cleared)}")
    for table in engine.prepare_dbt_sources():
        days = "" if table.days_written is None else f" ({table.days_written} days rewritten)"
        context.log.info(f"raw.{table.name}: {table.rows:,} rows in the lake{days} for dbt on {engine.engine}")
    # unit tests check the models' SQL, which a night does not change: they run in CI (test_dbt_unit_tests)
    # the target named as the prepared parse named it: dbt reuses that partial parse only for the same target
    args = ["build", "--target", engine.dbt_target, "--exclude-resource-type", "unit_test",
            *(["--full-refresh"] if config.full_refresh else [])]
    with child_environment(engine.dbt_environment()):  # dbt.cli hands this process's environment to dbt
        invocation = dbt.cli(args, context=context, raise_on_error=False)
    events = list(invocation.stream())
    with warehouse.connect(read_only=True) as con:
        events = [_with_warehouse_metadata(e, con) for e in events]
    yield from events
    _prune_run_folders(invocation.target_path.parent)
    if not invocation.is_successful():
        error = str(invocation.get_error() or "see the dbt logs")
        raise dg.Failure(
            description=f"dbt build failed: {error}",
            metadata={"dbt_logs": str(invocation.target_path / "dbt.log")},
            allow_retries=is_lock_conflict(error),  # a failing model or test fails again: only a lock is worth a retry
        )
