"""Identity inputs written before the models run: operators' overrides (source raw._identity_overrides)
and the key the published identity_links hash identifier values with (source raw._identity_link_key).
The code that reads and stores them (with the erasure module's polars) is imported when the step runs,
not when the definitions load."""

from __future__ import annotations

import hashlib
from collections import Counter

import dagster as dg

from ..erasure.assets import ERASURE_ASSET_KEY
from ..erasure.requests import erasure_key
from ..ingest.assets import WAREHOUSE_POOL
from ..lib.settings import paths
from ..resources import LandingResource, WarehouseResource

OVERRIDES_KEY = dg.AssetKey(["identity", "overrides"])  # table raw._identity_overrides
LINK_KEY_KEY = dg.AssetKey(["identity", "link_key"])  # table raw._identity_link_key
LINK_KEY_TABLE = "raw._identity_link_key"


def link_hash_key(secret: str) -> str:
    """The identity_links hashing key, derived from the platform's secret (never the secret itself)."""
    return hashlib.sha256(f"identity_links|{secret}".encode()).hexdigest()


@dg.multi_asset(
    specs=[
        dg.AssetSpec(OVERRIDES_KEY, group_name="ingest", kinds={"duckdb"}, owners=["team:data-engineering"],
                     description="Operators' identity decisions (never_link, always_link, detach) from "
                     "`<landing>/identity/overrides/*.csv`, read again on every run; a bad line fails the run "
                     "naming file and line; a line naming an erased record is set aside.", deps=[ERASURE_ASSET_KEY]),
        dg.AssetSpec(LINK_KEY_KEY, group_name="ingest", kinds={"duckdb"}, owners=["team:data-engineering"],
                     description="The key identity_links hashes identifier values with (derived from the "
                     "platform's secret, $C360_ERASURE_KEY or the data folder's)."),
    ],
    pool=WAREHOUSE_POOL,
)
def identity_inputs(context, landing: LandingResource, warehouse: WarehouseResource):
    from ..erasure.apply import ERASED_TABLE
    from .overrides import read_overrides, set_aside_erased, store_overrides

    secret = erasure_key(paths().data_dir)
    with warehouse.connect() as con:
        overrides, set_aside = set_aside_erased(con, read_overrides(landing.directory), secret, ERASED_TABLE)
        store_overrides(con, overrides)
        con.execute(f"create or replace table {LINK_KEY_TABLE} (hash_key varchar)")
        con.execute(f"insert into {LINK_KEY_TABLE} values (?)", [link_hash_key(secret)])
    for override in set_aside:
        context.log.warning(f"{override.file} line {override.line}: names an erased record, set aside")
    yield dg.MaterializeResult(asset_key=OVERRIDES_KEY, metadata={
        "overrides": len(overrides),
        "by_action": dg.MetadataValue.json(dict(Counter(o.action for o in overrides))),
        "set_aside_erased": dg.MetadataValue.json([f"{o.file} line {o.line}" for o in set_aside]),
    })
    yield dg.MaterializeResult(asset_key=LINK_KEY_KEY)
