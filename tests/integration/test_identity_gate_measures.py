"""The identity gate's measures and reports on a hand-made warehouse against its own published version:
each measure blocks only beyond its threshold (seed identity_gate_thresholds), and the check's metadata
carries the diff: the measures, the customer-size distribution of both versions, the rules and the
identifier values that grew most, masked."""

from __future__ import annotations

import pytest
from warehouses import build_tiny_warehouse, execute

from orchestration.lib.warehouse import Warehouse
from orchestration.publish.swap import publish
from orchestration.quality.checks import SUITES, _check_result, run_quality_gate

IDENTITY_SUITE = [s for s in SUITES if s.name == "identity_changes"]
STORE_PHONE = "13912349876"


@pytest.fixture
def published(tmp_path):
    warehouse = build_tiny_warehouse(tmp_path / "warehouse.duckdb")
    publish(Warehouse(warehouse), tmp_path, check_summary={}, input_files=[])
    return warehouse


def gate(warehouse, data_dir):
    (result,), _ = run_quality_gate(Warehouse(warehouse), data_dir, IDENTITY_SUITE, None)
    assert result.error is None, result.error
    return result


def measures(result) -> dict[str, float]:
    table = next(r for r in result.reports if r.report.name == "measures")
    return dict(zip(table.column("measure"), table.column("value"), strict=True))


def failing(result) -> set[str]:
    return {sample for failure in result.failures for sample in failure.sample}


def add_customers_holding(warehouse, id_type: str, value: str, count: int) -> None:
    execute(warehouse, f"""
        insert into marts.customer_xref
            select 'C1' || lpad(cast(i as varchar), 5, '0'), 'crm.members', 'M' || i from range({count}) t(i);
        insert into marts.customer_identifiers
            select 'C1' || lpad(cast(i as varchar), 5, '0'), '{id_type}', '{value}' from range({count}) t(i);
    """)


def test_an_unchanged_identity_passes_with_every_measure_at_zero(published, tmp_path):
    result = gate(published, tmp_path)
    assert result.success, result.summary()
    assert set(measures(result)) == {"records_moved_share", "customers_merged_share", "customers_split_share",
                                     "largest_customer_ratio", "rule_links_growth", "identifier_holders_growth"}
    assert measures(result)["rule_links_growth"] == 0
    assert measures(result)["largest_customer_ratio"] == 1


def test_before_a_first_publish_nothing_is_compared_and_the_gate_passes(tmp_path):
    warehouse = build_tiny_warehouse(tmp_path / "warehouse.duckdb")
    result = gate(warehouse, tmp_path)
    assert result.success, result.summary()
    assert all(value == 0 for value in measures(result).values())


def test_a_store_phone_suddenly_on_many_members_blocks_and_is_named_masked(published, tmp_path):
    add_customers_holding(published, "phone", STORE_PHONE, 60)
    result = gate(published, tmp_path)
    assert not result.success
    assert failing(result) == {"identifier_holders_growth"}
    assert measures(result)["identifier_holders_growth"] == pytest.approx(60 / 20)
    grown = next(r for r in result.reports if r.report.name == "grown_identifiers")
    assert grown.rows[0] == ("phone", "139****76", 0, 60)
    metadata = _check_result(result, None).metadata
    assert STORE_PHONE not in str(metadata)


def test_a_device_id_written_for_everyone_blocks(published, tmp_path):
    add_customers_holding(published, "device_id", "DEVICE-0000-SAME", 45)
    result = gate(published, tmp_path)
    assert failing(result) == {"identifier_holders_growth"}
    grown = next(r for r in result.reports if r.report.name == "grown_identifiers")
    assert grown.rows[0][:2] == ("device_id", "DEVI…")


def test_a_few_more_customers_on_a_family_device_pass(published, tmp_path):
    add_customers_holding(published, "device_id", "FAMILY-DEVICE", 3)
    result = gate(published, tmp_path)
    assert result.success, result.summary()
    assert measures(result)["identifier_holders_growth"] == pytest.approx(3 / 20)


def test_a_rule_whose_links_double_in_a_night_blocks(published, tmp_path):
    execute(published, """
        insert into marts.identity_links
            select 'C000001', 'app.users:X' || i, 'web.customers:Y' || i, 'email', repeat('c', 64),
                   'email/registered+registered', 'firm', null, timestamptz '2026-10-03 10:00:00+08'
            from range(120) t(i)
    """)
    result = gate(published, tmp_path)
    assert failing(result) == {"rule_links_growth"}
    assert measures(result)["rule_links_growth"] == pytest.approx(120 / 100)
    rules = next(r for r in result.reports if r.report.name == "rule_links")
    assert rules.rows[0] == ("email/registered+registered", 0, 120, 120)


def test_the_customer_size_plot_sets_both_versions_side_by_side(published, tmp_path):
    # the two customers of the published version become one of six records
    execute(published, "update marts.customer_xref set customer_id = 'C000001'")
    result = gate(published, tmp_path)
    assert {"records_moved_share", "customers_merged_share"} <= failing(result)
    sizes = next(r for r in result.reports if r.report.name == "customer_sizes")
    assert dict(zip(sizes.column("records"), zip(sizes.column("published"), sizes.column("this_run"), strict=True),
                    strict=True)) == {"2": (1, 0), "4": (1, 0), "5-9": (0, 1)}
    plot = _check_result(result, None).metadata["customer_sizes"].value
    assert "published" in plot and "this_run" in plot and "█" in plot
