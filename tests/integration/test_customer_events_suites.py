"""The quality suites of customer_events on the tiny warehouse: each break fails the right expectation."""

from __future__ import annotations

import pytest
from warehouses import build_tiny_warehouse, execute

from orchestration.lib.warehouse import Warehouse
from orchestration.quality.checks import SUITES, run_quality_gate

EVENT_SUITES = [s for s in SUITES if s.name in ("customer_events", "customer_events_reconciliation")]


@pytest.fixture
def warehouse(tmp_path):
    return build_tiny_warehouse(tmp_path / "warehouse.duckdb")


def failures(warehouse, tmp_path) -> dict[str, set[str]]:
    results, _ = run_quality_gate(Warehouse(warehouse), tmp_path, EVENT_SUITES, None)
    return {r.suite.name: {f.column for f in r.failures} for r in results if not r.success}


def test_the_tiny_events_pass(warehouse, tmp_path):
    assert len(EVENT_SUITES) == 2
    assert failures(warehouse, tmp_path) == {}


def test_an_event_before_its_order_was_placed_fails(warehouse, tmp_path):
    execute(warehouse, "update marts.customer_events set event_at = event_at - interval 1 day where event_key = 'miniprogram:M1|order_completed'")
    assert failures(warehouse, tmp_path) == {"customer_events": {"not_before_placed", "not_before_paid"}}


def test_a_shipment_before_payment_fails(warehouse, tmp_path):
    execute(warehouse, "update marts.customer_events set event_at = timestamptz '2026-10-01 10:01:00+08' where event_key = 'miniprogram:M1|order_completed'")
    assert failures(warehouse, tmp_path) == {"customer_events": {"not_before_paid"}}


def test_an_event_of_another_customers_order_fails(warehouse, tmp_path):
    # an event of an unknown customer is dbt's to find (relationships in customer_events.yml)
    execute(warehouse, "update marts.customer_events set customer_id = 'C000002' where event_key = 'web:W1|order_cancelled'")
    assert failures(warehouse, tmp_path) == {"customer_events": {"order_is_the_customers"}}


def test_a_missing_or_doubled_placement_a_wrong_payment_or_a_lost_after_sale_fails_reconciliation(warehouse, tmp_path):
    execute(warehouse, "delete from marts.customer_events where event_key = 'web:W1|order_placed'")
    execute(warehouse, "insert into marts.customer_events select event_key || '#2', * exclude (event_key) from marts.customer_events where event_key = 'app:A1|order_placed'")
    execute(warehouse, "update marts.customer_events set amount_fen = 299 where event_key = 'web:W2|order_paid'")
    execute(warehouse, "delete from marts.customer_events where event_type = 'aftersale_opened'")
    assert failures(warehouse, tmp_path) == {
        "customer_events_reconciliation": {"placed_events", "paid_event_reconciles", "aftersales_reconcile"}}
