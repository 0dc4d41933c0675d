"""The publish asset: after the quality gate passes, the verified tables are swapped in whole."""


import dagster as dg
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from ..ingest.assets import WAREHOUSE_POOL
from ..lib.settings import settings
from ..quality.checks import SUITES
from ..resources import WarehouseResource
from .swap import publish
from .tables import published_tables

_VERDICT_BY_STATUS = {
    AssetCheckExecutionRecordStatus.SUCCEEDED: "passed",
    AssetCheckExecutionRecordStatus.FAILED: "failed",
}


def _gate_verdicts(context: dg.AssetExecutionContext) -> dict[str, str]:
    """Each quality suite's verdict in this run: passed, failed, or missing (not run here)."""
    keys = [dg.AssetCheckKey(dg.AssetKey(list(s.asset)), s.check_name) for s in SUITES]
    latest = context.instance.event_log_storage.get_latest_asset_check_execution_by_key(keys)
    verdicts = {}
    for suite, key in zip(SUITES, keys):
        record = latest.get(key)
        if record is None or record.run_id != context.run.run_id:
            verdicts[suite.name] = "missing"
        else:
            verdicts[suite.name] = _VERDICT_BY_STATUS.get(record.status, "missing")
    return verdicts


def _input_files(warehouse: WarehouseResource) -> list[str]:
    with warehouse.connect(read_only=True) as con:
        rows = con.execute("select source_file || '@' || file_hash from raw._files order by source_file").fetchall()
    return [r[0] for r in rows]


@dg.asset(
    key=["publish", "published_tables"],
    deps=[dg.AssetKey(["marts", t.name]) for t in published_tables()] + [dg.AssetKey(["raw", "ingest_summary"])],
    group_name="publish",
    kinds={"duckdb", "parquet"},
    owners=["team:data-engineering"],
    pool=WAREHOUSE_POOL,
    description="The verified marts copied to a new `published.duckdb` (schema `c360`) and Parquet folder, "
    "swapped in atomically; the last versions are kept for `c360 rollback`.",
)
def published_tables_asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    verdicts = _gate_verdicts(context)
    blocking = {s.name for s in SUITES if s.blocking}
    not_passed = {name: v for name, v in verdicts.items() if name in blocking and v != "passed"}
    if not_passed:
        raise dg.Failure(
            description="the quality gate has not passed in this run, so nothing is published: "
            + ", ".join(f"{n} {v}" for n, v in sorted(not_passed.items())),
        )
    result = publish(
        warehouse.warehouse,
        warehouse.database.parent,
        check_summary=verdicts,
        input_files=_input_files(warehouse),
        keep=settings().publish_keep,
    )
    context.log.info(f"published version {result.version} to {result.path}")
    if result.removed_versions:
        context.log.info(f"removed published versions {result.removed_versions} (pruned, or written before an erasure)")
    return dg.MaterializeResult(
        metadata={
            "publish_version": result.version,
            "published_file": dg.MetadataValue.path(str(result.path)),
            "parquet_folder": dg.MetadataValue.path(str(result.parquet)),
            **{f"rows_{name}": count for name, count in result.row_counts.items()},
        }
    )
