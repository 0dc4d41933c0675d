"""Row rules of the published marts are dbt tests (the quality gate keeps what dbt cannot say): a bad row
fails its dbt test, and a failing dbt step stops the run before the quality gate and the publish."""

from __future__ import annotations

import json
import os
import subprocess

import dagster as dg
import duckdb
import pytest
from warehouses import build_tiny_warehouse, execute

from orchestration.dbt.project import dbt_executable
from orchestration.lib.settings import DBT_PROJECT_DIR
from orchestration.publish.assets import published_tables_asset
from orchestration.publish.swap import PublishLayout
from orchestration.publish.tables import published_tables
from orchestration.quality.checks import quality_gate
from orchestration.resources import WarehouseResource

pytestmark = [pytest.mark.slow, pytest.mark.long]  # a dbt parse per test  # make test-long: CI keeps the smaller cases

# the marts the tiny warehouse holds whole enough for their own tests (cautious: no test of another model)
MARTS = ["customers", "orders", "sharers", "customer_events", "audiences"]

BREAKAGES = [
    "insert into marts.orders select * from marts.orders where order_key = 'app:A1'",
    "update marts.orders set paid_amount_fen = -5, net_amount_fen = -205 where order_key = 'miniprogram:M1'",
    "update marts.orders set order_id = 'W9' where order_key = 'web:W2'",
    "update marts.customers set phone = '138 0013 8001', gender = 'M' where customer_id = 'C000001'",
    "update marts.customers set email = 'b@localhost', last_seen_at = now() + interval 2 day where customer_id = 'C000002'",
    "update marts.customer_events set amount_fen = -1 where event_key = 'web:W1|order_placed'",
    "update marts.audiences set reason = '' where customer_id = 'C000001'",
    "update marts.sharers set cumulative_commission_fen = -1",
]

# (model, test, column or expression) of each rule the breakages above break
BROKEN_RULES = {
    ("orders", "unique", "order_key"),
    ("orders", "expression_is_true",
     "net_amount_fen = paid_amount_fen - refunded_amount_fen and refunded_amount_fen between 0 and paid_amount_fen"),
    ("orders", "expression_is_true", "order_key = channel || ':' || order_id"),
    ("customers", "matches_pattern", "phone"),
    ("customers", "accepted_values", "gender"),
    ("customers", "matches_pattern", "email"),
    ("customers", "expression_is_true", "last_seen_at <= current_timestamp + interval '1' day"),
    ("customer_events", "expression_is_true", "amount_fen is null or amount_fen >= 0"),
    ("audiences", "expression_is_true", "reason <> ''"),
    ("sharers", "expression_is_true", "order_count >= 0 and sales_fen >= 0 and cumulative_commission_fen >= 0"),
}


def dbt_test(warehouse, target) -> dict[tuple[str, str, str], str]:
    """Runs the marts' dbt data tests on the warehouse: each test's (model, test, column or expression) and status."""
    subprocess.run(
        [dbt_executable(), "test", "--quiet", "--select", *MARTS, "--indirect-selection", "cautious",
         "--exclude", "test_type:unit", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(target)],
        env={**os.environ, "C360_WAREHOUSE": str(warehouse)},
        cwd=DBT_PROJECT_DIR,
        check=False,
        capture_output=True,
    )
    nodes = json.loads((target / "manifest.json").read_text(encoding="utf-8"))["nodes"]
    statuses = {}
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    for result in (r for r in results if r["unique_id"].startswith("test.")):  # not the on-run-start hook
        node = nodes[result["unique_id"]]
        metadata = node["test_metadata"]
        model = node["attached_node"].split(".")[-1]
        arguments = metadata["kwargs"]
        subject = node.get("column_name") or arguments.get("expression") or ",".join(arguments.get("combination_of_columns", []))
        statuses[(model, metadata["name"], subject)] = result["status"]
    return statuses


@pytest.fixture
def warehouse(tmp_path):
    return build_tiny_warehouse(tmp_path / "warehouse.duckdb")


def test_the_tiny_marts_pass_their_dbt_tests(warehouse, tmp_path):
    statuses = dbt_test(warehouse, tmp_path / "target")
    assert statuses.keys() >= BROKEN_RULES
    assert {k for k, s in statuses.items() if s != "pass"} == set()


def test_each_bad_row_fails_the_dbt_test_of_its_rule_and_no_other(warehouse, tmp_path):
    for sql in BREAKAGES:
        execute(warehouse, sql)
    statuses = dbt_test(warehouse, tmp_path / "target")
    assert {k for k, s in statuses.items() if s != "pass"} == BROKEN_RULES


def test_a_failing_dbt_test_stops_the_run_before_the_gate_and_the_publish(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    breakage = {"sql": None}

    @dg.multi_asset(
        specs=[dg.AssetSpec(["marts", t.name]) for t in published_tables()] + [dg.AssetSpec(["raw", "ingest_summary"])],
        name="marts_with_their_dbt_tests",
    )
    def marts():
        warehouse.unlink(missing_ok=True)
        build_tiny_warehouse(warehouse)
        if breakage["sql"]:
            execute(warehouse, breakage["sql"])
        failed = sorted(k for k, s in dbt_test(warehouse, tmp_path / "target").items() if s != "pass")
        if failed:  # as the dbt step does when `dbt build` fails
            raise dg.Failure(description=f"dbt build failed: {failed}")
        for t in published_tables():
            yield dg.MaterializeResult(asset_key=["marts", t.name])
        yield dg.MaterializeResult(asset_key=["raw", "ingest_summary"])

    defs = dg.Definitions(
        assets=[marts, published_tables_asset],
        asset_checks=[quality_gate],
        resources={"warehouse": WarehouseResource(path=str(warehouse))},
        jobs=[dg.define_asset_job("all", selection=dg.AssetSelection.all())],
    )
    with dg.instance_for_test() as instance:
        assert defs.resolve_job_def("all").execute_in_process(instance=instance).success
        layout = PublishLayout(tmp_path)
        published_before = layout.published.read_bytes()

        breakage["sql"] = "update marts.customers set gender = 'M' where customer_id = 'C000001'"
        second = defs.resolve_job_def("all").execute_in_process(instance=instance, raise_on_error=False)
        assert not second.success
        assert [e.step_key for e in second.get_step_failure_events()] == ["marts_with_their_dbt_tests"]
        assert second.get_asset_check_evaluations() == []  # the gate never ran
        assert dg.AssetKey(["publish", "published_tables"]) not in {e.asset_key for e in second.get_asset_materialization_events()}
        assert layout.current_version() == 1
        assert layout.published.read_bytes() == published_before
        with duckdb.connect(str(layout.published), read_only=True) as con:
            assert con.execute("select gender from c360.customers where customer_id = 'C000001'").fetchone() == ("male",)
