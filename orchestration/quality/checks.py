"""The quality gate: every suite in ``expectations/`` as a Dagster asset check (blocking where a failure
must stop publication), run by Great Expectations in one step."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg
import duckdb

from ..erasure.requests import erasure_key
from ..ingest.assets import WAREHOUSE_POOL
from ..lib.child_call import call_in_child_process
from ..lib.published import LOG_TABLE, PUBLISHED_SCHEMA, PublishLayout
from ..lib.warehouse import Warehouse
from ..resources import WarehouseResource
from .frames import DuckDBFrames
from .reports import report_markdown
from .suites import Suite, load_suites
from .validate import QualityGate, SuiteResult

if TYPE_CHECKING:
    import polars as pl

    from .frames import SparkFrames

SUITES = load_suites()
PREVIOUS_COUNTS = "_previous_publish_counts"


def previous_publish_counts(data_dir: Path) -> "pl.DataFrame":
    """Row counts of the currently published version, for the volume suite (empty before a first publish)."""
    import polars as pl

    empty = pl.DataFrame(schema={"table_name": pl.String, "row_count": pl.Int64})
    published = PublishLayout(data_dir).published
    if not published.exists():
        return empty
    with duckdb.connect(str(published), read_only=True) as con:
        row = con.execute(f"select row_counts from {LOG_TABLE} order by version desc limit 1").fetchone()
    if not row:
        return empty
    pairs = json.loads(row[0])
    return pl.DataFrame({"table_name": list(pairs), "row_count": list(pairs.values())}, schema=empty.schema)


PUBLISHED_ALIAS = "published_version"


def expose_published_tables(con: duckdb.DuckDBPyConnection, data_dir: Path, tables: set[str]) -> None:
    """Each published table a suite compares with as the view ``_published_<table>``: the current
    published version's, or an empty table of the warehouse mart's shape before a first publish (or when
    that version predates the table)."""
    published = PublishLayout(data_dir).published
    present: set[str] = set()
    if tables and published.exists():
        con.execute(f"attach ? as {PUBLISHED_ALIAS} (read_only)", [str(published)])
        present = {row[0] for row in con.execute(
            "select table_name from duckdb_tables() where database_name = ? and schema_name = ?",
            [PUBLISHED_ALIAS, PUBLISHED_SCHEMA]).fetchall()}
    for table in sorted(tables):
        source = f"{PUBLISHED_ALIAS}.{PUBLISHED_SCHEMA}.{table}" if table in present else f"marts.{table} where false"
        con.execute(f"create or replace temp view _published_{table} as select * from {source}")


def _check_result(result: SuiteResult, docs: Path | None) -> dg.AssetCheckResult:
    metadata: dict = {
        "rows_validated": result.rows,
        "dataframes": result.dataframes,
        "expectations": len(result.outcomes),
        "failed_expectations": len(result.failures),
        "summary": result.summary(),
    }
    if result.failures:
        metadata["failures"] = dg.MetadataValue.md(
            "\n".join(f"- `{f.type}` {f.column or ''}: observed `{f.observed}`, unexpected {f.unexpected_count}, "
                      f"sample {f.sample}" for f in result.failures)
        )
    for report in result.reports:
        metadata[report.report.name] = dg.MetadataValue.md(report_markdown(report))
    if docs:
        metadata["data_docs"] = dg.MetadataValue.path(str(docs))
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(list(result.suite.asset)),
        check_name=result.suite.check_name,
        passed=result.success,
        severity=dg.AssetCheckSeverity.ERROR if result.suite.blocking else dg.AssetCheckSeverity.WARN,
        metadata=metadata,
        description=result.suite.description,
    )


def expose_published_tables_on_spark(frames: "SparkFrames", data_dir: Path, tables: set[str]) -> None:
    """As expose_published_tables, from the current published version's Parquet files."""
    layout = PublishLayout(data_dir)
    version = layout.current_version()
    for table in sorted(tables):
        files = layout.version_parquet(version) / f"{table}.parquet" if version is not None else None
        if files is not None and files.exists():
            frames.register_parquet(f"_published_{table}", files)
        else:
            frames.create_view(f"_published_{table}", f"select * from marts.{table} where false")


def run_quality_gate_on_spark(
    warehouse: Warehouse, data_dir: Path, suites: list[Suite], docs_dir: Path | None
) -> tuple[list[SuiteResult], Path | None]:
    """The suites on Spark DataFrames of the local session's tables (GE's Spark datasource)."""
    from ..lib.spark_session import local_spark_session
    from .frames import SparkFrames

    spark = local_spark_session(warehouse, app_name="c360-quality-gate")
    spark.sparkContext.setLogLevel("ERROR")
    try:
        frames = SparkFrames(spark, lake_dir=warehouse.lake_dir)
        gate = QualityGate(docs_dir)
        frames.register_pandas(PREVIOUS_COUNTS, previous_publish_counts(data_dir).to_pandas(),
                               schema="table_name string, row_count bigint")
        expose_published_tables_on_spark(frames, data_dir, {t for s in suites for t in s.published_tables})
        frames.set_variable("erasure_key", erasure_key(data_dir))
        results = [gate.validate(frames, suite) for suite in suites]
        return results, gate.build_docs()
    finally:
        spark.stop()


def run_quality_gate(
    warehouse: Warehouse, data_dir: Path, suites: list[Suite], docs_dir: Path | None
) -> tuple[list[SuiteResult], Path | None]:
    if warehouse.engine == "spark" and warehouse.spark_method == "session":
        return call_in_child_process(run_quality_gate_on_spark, warehouse, data_dir, suites, docs_dir)
    # DuckDB: the warehouse file, or a cluster's Parquet tables as mounted here (C360_SPARK_WAREHOUSE_DIR)
    gate = QualityGate(docs_dir)
    previous = previous_publish_counts(data_dir)
    with warehouse.connect(read_only=True) as con:  # waits out another run's write lock
        con.register(PREVIOUS_COUNTS, previous)
        expose_published_tables(con, data_dir, {t for s in suites for t in s.published_tables})
        # suites compare keyed hashes with getvariable('erasure_key'): the key never appears in their SQL
        con.execute("set variable erasure_key = ?", [erasure_key(data_dir)])
        frames = DuckDBFrames(con)
        results = [gate.validate(frames, suite) for suite in suites]
    return results, gate.build_docs()


def _spec(suite: Suite) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        name=suite.check_name,
        asset=dg.AssetKey(list(suite.asset)),
        blocking=suite.blocking,
        description=suite.description or f"Great Expectations suite {suite.name}",
    )


@dg.multi_asset_check(specs=[_spec(s) for s in SUITES], can_subset=True, name="quality_gate", pool=WAREHOUSE_POOL)
def quality_gate(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    """Great Expectations suites over the warehouse; a failing blocking suite stops the publish."""
    selected = {key.name for key in context.selected_asset_check_keys}
    suites = [s for s in SUITES if s.check_name in selected]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    docs_dir = warehouse.database.parent / "quality_docs" / f"{stamp}_{context.run.run_id[:8]}"
    results, docs = run_quality_gate(warehouse.warehouse, warehouse.database.parent, suites, docs_dir)
    if docs:
        context.log.info(f"Great Expectations data docs: {docs}")
    for result in results:
        if not result.success:
            context.log.warning(result.summary())
        yield _check_result(result, docs)
