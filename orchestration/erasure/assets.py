"""The erasure asset: between ingestion and the models, so that no model ever reads an erased person."""

import dagster as dg

from ..ingest.assets import WAREHOUSE_POOL, raw_asset_key
from ..ingest.schema import load_entities
from ..resources import LandingResource, WarehouseResource
from .requests import ErasureRequestError, erasure_key, valid_requests

ERASURE_ASSET_KEY = dg.AssetKey(["raw", "erasure"])


@dg.asset(
    key=ERASURE_ASSET_KEY,
    deps=[raw_asset_key(e) for e in load_entities()],
    group_name="ingest",
    kinds={"duckdb"},
    owners=["team:data-engineering"],
    pool=WAREHOUSE_POOL,
    description="Erasure requests under `<landing>/erasure/`, kept as keyed hashes "
    "(`raw._erasure_requests`); the raw rows of every erased person deleted again on every run, "
    "before the staging models read the raw tables.",
)
def erasure(context: dg.AssetExecutionContext, warehouse: WarehouseResource, landing: LandingResource) -> dg.MaterializeResult:
    from .apply import apply_erasure

    try:
        requests = valid_requests(landing.directory)
    except ErasureRequestError as exc:  # skipping a request would publish a person who asked to be forgotten
        raise dg.Failure(description=str(exc), allow_retries=False) from exc
    with warehouse.connect() as con:
        summary = apply_erasure(con, requests, erasure_key(warehouse.database.parent))
    if summary.pending_requests:
        context.log.warning(f"{summary.pending_requests} erasure requests match no resolved customer yet")
    return dg.MaterializeResult(
        metadata={
            "new_requests": summary.new_requests,
            "resolved_requests": summary.resolved_requests,
            "pending_requests": summary.pending_requests,
            "erased_records": summary.erased_records,
            "raw_rows_deleted": summary.raw_rows_deleted,
        }
    )
