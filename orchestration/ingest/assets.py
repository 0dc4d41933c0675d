"""The raw assets: one per channel entity, daily-partitioned by file date, all built by one step.

The loading code (polars and the readers) is imported when a step runs, not when the definitions load.
"""

from datetime import date
from typing import TYPE_CHECKING

import dagster as dg

from ..partitions import daily_partitions, partition_bounds
from ..resources import LandingResource, WarehouseResource
from .landing import scan
from .schema import Entity, load_entities

if TYPE_CHECKING:
    from .load import FileOutcome

WAREHOUSE_POOL = "warehouse"
# a transient failure (the warehouse locked past the wait, a file still being written) is tried again
TRANSIENT_RETRY = dg.RetryPolicy(max_retries=2, delay=15, backoff=dg.Backoff.EXPONENTIAL)


def raw_asset_key(entity: Entity) -> dg.AssetKey:
    return dg.AssetKey(["raw", entity.channel, entity.name])


def _column_schema(entity: Entity) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(c.name, c.duckdb_type, description=c.zh, constraints=dg.TableColumnConstraints(nullable=not c.required))
            for c in entity.columns
        ]
    )


def _spec(entity: Entity) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=raw_asset_key(entity),
        group_name="ingest",
        description=f"Every `{entity.qualified_name}` export from the landing folder, typed, with lineage "
        f"columns; one partition per file date. Table `raw.{entity.table}`.",
        kinds={"polars", "duckdb"},
        owners=["team:data-engineering"],
        tags={"channel": entity.channel},
        metadata={
            "dagster/column_schema": _column_schema(entity),
            "dagster/table_name": f"raw.{entity.table}",
            "record_key": ", ".join(entity.key),
        },
    )


ENTITY_BY_KEY = {raw_asset_key(e): e for e in load_entities()}


def _files_table(outcomes: "list[FileOutcome]") -> dg.TableMetadataValue:
    return dg.MetadataValue.table(
        records=[
            dg.TableRecord(
                {
                    "file": o.file.relative,
                    "status": o.status,
                    "read": o.rows_read,
                    "loaded": o.rows_loaded,
                    "rejected": o.rows_rejected,
                    "message": o.message or "",
                }
            )
            for o in outcomes
        ],
        schema=dg.TableSchema(
            columns=[
                dg.TableColumn("file", "string"),
                dg.TableColumn("status", "string"),
                dg.TableColumn("read", "int"),
                dg.TableColumn("loaded", "int"),
                dg.TableColumn("rejected", "int"),
                dg.TableColumn("message", "string"),
            ]
        ),
    )


def _metadata(outcomes: "list[FileOutcome]", table_rows: int) -> dict:
    fresh = [o for o in outcomes if o.status != "unchanged"]
    return {
        "files_seen": len(outcomes),
        "files_loaded": sum(o.status == "loaded" for o in outcomes),
        "files_rejected": sum(o.status == "rejected" for o in outcomes),
        "files_unchanged": sum(o.status == "unchanged" for o in outcomes),
        "rows_read": sum(o.rows_read for o in fresh),
        "rows_loaded": sum(o.rows_loaded for o in fresh),
        "rows_rejected": sum(o.rows_rejected for o in fresh),
        "rows_reconcile": all(o.reconciles for o in outcomes),
        "dagster/row_count": table_rows,
        "files": _files_table(fresh),
    }


def _date_window(context: dg.AssetExecutionContext) -> tuple[date, date]:
    keys = context.partition_key_range
    return date.fromisoformat(keys.start), date.fromisoformat(keys.end)


@dg.multi_asset(
    specs=[_spec(e) for e in load_entities()],
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    can_subset=True,
    pool=WAREHOUSE_POOL,
    retry_policy=TRANSIENT_RETRY,
    name="ingest_exports",
)
def raw_exports(context: dg.AssetExecutionContext, warehouse: WarehouseResource, landing: LandingResource):
    """Load the landing files of the selected entities and dates; unchanged files are skipped."""
    from .load import ensure_raw_tables
    from .pipeline import files_for, ingest_entity, reject_misfit_files

    first, last = _date_window(context)
    landing_files = scan(landing.directory)
    with warehouse.connect() as con:
        ensure_raw_tables(con, load_entities())
        misfits = reject_misfit_files(con, landing.directory, *partition_bounds())
        for misfit in misfits:
            context.log.warning(f"rejected whole file {misfit.file.relative}: {misfit.message}")
        results = {}
        for key in sorted(context.selected_asset_keys, key=lambda k: k.to_user_string()):
            entity = ENTITY_BY_KEY[key]
            outcomes = ingest_entity(con, entity, files_for(entity, landing_files, first, last))
            for rejected in (o for o in outcomes if o.status == "rejected"):
                context.log.warning(f"rejected whole file {rejected.file.relative}: {rejected.message}")
            for kept in (o for o in outcomes if o.status == "unchanged" and o.message):
                context.log.warning(f"file {kept.file.relative}: {kept.message}")
            results[key] = outcomes
        for key, outcomes in results.items():
            table_rows = con.execute(f"select count(*) from raw.{ENTITY_BY_KEY[key].table}").fetchone()[0]
            yield dg.MaterializeResult(asset_key=key, metadata=_metadata(outcomes, table_rows))


@dg.asset(
    key=["raw", "ingest_summary"],
    deps=[raw_asset_key(e) for e in load_entities()],
    group_name="ingest",
    kinds={"duckdb"},
    owners=["team:data-engineering"],
    pool=WAREHOUSE_POOL,
    description="Files and rows per channel entity and file date: read, loaded and rejected "
    "(table `raw.ingest_summary`); the raw layer's quality suites check it.",
)
def ingest_summary(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    from .load import ensure_raw_tables

    with warehouse.connect() as con:
        ensure_raw_tables(con, load_entities())
        con.execute(
            """
            create or replace table raw.ingest_summary as
            select channel, entity, file_date,
                   count(*) as files,
                   count(*) filter (where status = 'rejected') as files_rejected,
                   sum(rows_read) as rows_read, sum(rows_loaded) as rows_loaded, sum(rows_rejected) as rows_rejected
            from raw._files
            group by all
            order by all
            """
        )
        files, read, loaded, rejected = con.execute(
            "select count(*), coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), coalesce(sum(rows_rejected), 0) from raw._files"
        ).fetchone()
        reasons = con.execute("select reason, count(*) from raw._rejects group by reason order by 2 desc").fetchall()
    return dg.MaterializeResult(
        metadata={
            "files": files,
            "rows_read": read,
            "rows_loaded": loaded,
            "rows_rejected": rejected,
            "rejects_by_reason": dg.MetadataValue.json(dict(reasons)),
        }
    )
