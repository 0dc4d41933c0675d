"""The quality gate: broken inputs fail the right suite; clean input passes; nothing personal leaks. Row
rules of a mart (keys, value sets, formats, money signs) are dbt tests: tests/integration/test_dbt_row_rules.py."""

from __future__ import annotations

import pytest
from warehouses import build_tiny_warehouse, execute

from orchestration.lib.warehouse import Warehouse
from orchestration.publish.swap import publish
from orchestration.quality.checks import SUITES, run_quality_gate


@pytest.fixture
def warehouse(tmp_path):
    return build_tiny_warehouse(tmp_path / "warehouse.duckdb")


def verdicts(warehouse, tmp_path):
    results, _ = run_quality_gate(Warehouse(warehouse), tmp_path, SUITES, None)
    return {r.suite.name: r for r in results}


def failed(results):
    return {name for name, r in results.items() if not r.success}


def test_clean_input_passes_every_suite(warehouse, tmp_path):
    results = verdicts(warehouse, tmp_path)
    assert failed(results) == set()
    assert all(r.rows > 0 for name, r in results.items() if name != "volumes")


def test_a_duplicated_order_fails_the_reconciliations(warehouse, tmp_path):
    execute(warehouse, "insert into marts.orders select * from marts.orders where order_key = 'app:A1'")
    results = verdicts(warehouse, tmp_path)
    assert failed(results) == {"orders_reconciliation", "customer_profiles"}
    (failure,) = results["orders_reconciliation"].failures
    assert failure.type == "expect_column_values_to_be_between" and failure.column == "copies_in_orders"
    assert failure.sample == ["app:A1"]


def test_a_missing_mart_row_fails_reconciliation(warehouse, tmp_path):
    execute(warehouse, "delete from marts.customer_xref where source = 'app.users'")
    results = verdicts(warehouse, tmp_path)
    assert failed(results) == {"xref_reconciliation"}
    assert results["xref_reconciliation"].failures[0].sample == ["app.users:U1"]


def test_an_amount_that_no_longer_matches_its_events_and_profile_fails_their_reconciliations(warehouse, tmp_path):
    execute(warehouse, "update marts.orders set paid_amount_fen = -5, net_amount_fen = -5 where order_key = 'app:A1'")
    results = verdicts(warehouse, tmp_path)
    assert failed(results) == {"customer_events_reconciliation", "customer_profiles"}
    assert {(f.column, tuple(f.sample)) for f in results["customer_events_reconciliation"].failures} == {
        ("paid_event_reconciles", ("app:A1",))}
    assert {f.column for f in results["customer_profiles"].failures} == {"lifetime_net_reconciles"}


def test_an_order_missing_from_orders_fails_reconciliation(warehouse, tmp_path):
    execute(warehouse, "delete from marts.orders where order_key = 'web:W2'")
    assert "orders_reconciliation" in failed(verdicts(warehouse, tmp_path))


def test_a_volume_drop_against_the_published_version_fails_the_volume_suite(warehouse, tmp_path):
    publish(Warehouse(warehouse), tmp_path, check_summary={}, input_files=[])
    execute(warehouse, "delete from marts.customer_identifiers where id_type <> 'mp_openid'")
    results = verdicts(warehouse, tmp_path)
    assert failed(results) == {"volumes"}
    assert results["volumes"].failures[0].sample == ["customer_identifiers"]


def test_unnormalised_phone_fails_without_showing_the_phone(warehouse, tmp_path):
    execute(warehouse, "update marts.customer_identifiers set id_value = '138 0013 8001' where id_type = 'phone'")
    results = verdicts(warehouse, tmp_path)
    assert failed(results) == {"customer_identifiers"}
    assert "0013" not in results["customer_identifiers"].summary()
    assert results["customer_identifiers"].failures[0].sample == ["C000001"]


def test_an_empty_customers_table_fails(warehouse, tmp_path):
    execute(warehouse, "delete from marts.customers")
    assert "customers" in failed(verdicts(warehouse, tmp_path))


def test_a_broken_row_count_in_the_raw_manifest_fails_the_raw_suite(warehouse, tmp_path):
    execute(warehouse, "update raw._files set rows_loaded = 1 where source_file = 'app/users/2026-10-01.csv'")
    assert failed(verdicts(warehouse, tmp_path)) == {"raw_files"}


def test_data_docs_are_built_without_personal_data(warehouse, tmp_path):
    results, docs = run_quality_gate(Warehouse(warehouse), tmp_path, SUITES, tmp_path / "docs")
    assert docs is not None and docs.exists()
    html = "".join(p.read_text(encoding="utf-8", errors="ignore") for p in (tmp_path / "docs").rglob("*.html"))
    assert "customers" in html
    for personal in ("13800138001", "a@example.com", "张三", "85291234567"):
        assert personal not in html


def test_no_suite_reads_a_personal_column_raw():
    personal = ("phone", "email", "name", "address", "receiver")
    for suite in SUITES:
        selected = suite.frame_sql.lower()
        for column in personal:
            # a personal column may appear only inside an expression that derives a flag from it
            for line in selected.splitlines():
                stripped = line.strip().rstrip(",")
                assert stripped not in (column, f"c.{column}", f"i.{column}"), f"{suite.name} selects {column}"


def test_a_customer_matching_a_pending_erasure_request_blocks_publication(warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("C360_ERASURE_KEY", "k")
    execute(
        warehouse,
        "insert into raw._erasure_requests values ('erasure/2026-10-20.csv', 1, 'phone', "
        "sha256('k' || '|' || 'phone:13800138001'), now(), 'pending', null, 0, 0)",
    )
    results = verdicts(warehouse, tmp_path)
    assert failed(results) == {"erasure"}
    assert results["erasure"].failures[0].sample == ["C000001"]
