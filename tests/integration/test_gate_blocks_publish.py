"""Through Dagster: a failing blocking suite stops the publish step and the published version stays."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest
from warehouses import build_tiny_warehouse, execute

from orchestration.publish.assets import published_tables_asset
from orchestration.publish.swap import PublishLayout
from orchestration.publish.tables import published_tables
from orchestration.quality.checks import quality_gate
from orchestration.resources import WarehouseResource

BREAKAGES = {
    "clean": None,
    "duplicate_keys": "insert into marts.orders select * from marts.orders limit 1",
    "negative_amount": "update marts.orders set paid_amount_fen = -1, net_amount_fen = -1 - refunded_amount_fen",
    "missing_xref_row": "delete from marts.customer_xref where source = 'app.users'",
}


def stub_marts(warehouse_path, breakage_sql):
    @dg.multi_asset(
        specs=[dg.AssetSpec(["marts", t.name]) for t in published_tables()] + [dg.AssetSpec(["raw", "ingest_summary"])],
        name="stub_marts",
    )
    def _marts():
        warehouse_path.unlink(missing_ok=True)
        build_tiny_warehouse(warehouse_path)
        if breakage_sql:
            execute(warehouse_path, breakage_sql)
        for t in published_tables():
            yield dg.MaterializeResult(asset_key=["marts", t.name])
        yield dg.MaterializeResult(asset_key=["raw", "ingest_summary"])

    return _marts


def run_pipeline(tmp_path, instance, breakage):
    warehouse = tmp_path / "warehouse.duckdb"
    defs = dg.Definitions(
        assets=[stub_marts(warehouse, BREAKAGES[breakage]), published_tables_asset],
        asset_checks=[quality_gate],
        resources={"warehouse": WarehouseResource(path=str(warehouse))},
    )
    job = dg.define_asset_job("all", selection=dg.AssetSelection.all()).resolve(asset_graph=defs.resolve_asset_graph(), resource_defs=defs.resources)
    return dg.Definitions.merge(defs, dg.Definitions(jobs=[job])).resolve_job_def("all").execute_in_process(instance=instance, raise_on_error=False)


@pytest.mark.parametrize("breakage", ["duplicate_keys", "negative_amount", "missing_xref_row"])
def test_a_failing_check_blocks_publication_and_keeps_the_old_version(tmp_path, breakage):
    with dg.instance_for_test() as instance:
        first = run_pipeline(tmp_path, instance, "clean")
        assert first.success
        layout = PublishLayout(tmp_path)
        assert layout.current_version() == 1
        published_before = layout.published.read_bytes()

        second = run_pipeline(tmp_path, instance, breakage)
        publish_key = dg.AssetKey(["publish", "published_tables"])
        assert publish_key not in {e.asset_key for e in second.get_asset_materialization_events()}
        assert not second.success
        failing = [e for e in second.get_asset_check_evaluations() if not e.passed]
        assert failing, "a check must fail"
        assert layout.current_version() == 1
        assert layout.published.read_bytes() == published_before
        with duckdb.connect(str(layout.published), read_only=True) as con:
            assert con.execute("select count(*) from c360.orders").fetchone()[0] == 4


def test_publish_refuses_to_run_without_the_gate_in_the_same_run(tmp_path):
    warehouse = build_tiny_warehouse(tmp_path / "warehouse.duckdb")
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [published_tables_asset], instance=instance, resources={"warehouse": WarehouseResource(path=str(warehouse))}, raise_on_error=False
        )
    assert not result.success
    assert not (tmp_path / "published.duckdb").exists()
