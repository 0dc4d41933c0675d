"""The Dagster code location loads, and its ingest assets materialise through Dagster."""

from __future__ import annotations

import dagster as dg
from exports import USER_HEADER, user_row, write_csv

from orchestration.ingest.assets import raw_exports
from orchestration.ingest.schema import load_entities
from orchestration.resources import LandingResource, WarehouseResource


def test_definitions_load_with_one_raw_asset_per_entity():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    raw_keys = {k for k in graph.get_all_asset_keys() if k.path[0] == "raw" and k.path[1] not in ("ingest_summary", "erasure")}
    assert raw_keys == {dg.AssetKey(["raw", e.channel, e.name]) for e in load_entities()}
    assert defs.resolve_job_def("nightly") is not None
    staging = dg.AssetKey(["staging", "stg_miniprogram__users"])
    assert dg.AssetKey(["raw", "miniprogram", "users"]) in graph.get(staging).parent_keys


def test_every_export_is_a_dbt_source_read_from_its_raw_asset():
    import json

    from orchestration.definitions import defs
    from orchestration.ingest.assets import raw_asset_key
    from orchestration.lib.settings import DBT_PROJECT_DIR

    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text(encoding="utf-8"))
    sources = {s["name"] for s in manifest["sources"].values() if s["source_name"] == "raw" and "__" in s["name"]}
    assert sources == {e.table for e in load_entities()}
    graph = defs.resolve_asset_graph()
    for entity in load_entities():
        staging = graph.get(dg.AssetKey(["staging", f"stg_{entity.table}"]))
        assert raw_asset_key(entity) in staging.parent_keys, entity.table


def test_dbt_models_are_grouped_by_domain_and_owned():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    expected = {
        ("staging", "stg_app__orders"): "staging",
        ("intermediate", "int_identity__edges"): "identity",
        ("intermediate", "int_orders__app"): "orders",
        ("intermediate", "int_customers__attribute_candidates"): "customers",
        ("intermediate", "int_profiles__rfm"): "profiles",
        ("marts", "orders"): "marts",
        ("marts", "customer_profiles"): "profiles",
        ("config", "identity_link_rules"): "rules",
    }
    for key, group in expected.items():
        node = graph.get(dg.AssetKey(list(key)))
        assert node.group_name == group, key
        assert node.owners == ["team:data-engineering"], key


def test_raw_assets_materialise_a_partition_range_with_reconciled_counts(tmp_path):
    landing = tmp_path / "landing"
    write_csv(landing / "miniprogram" / "users" / "2026-10-01.csv", USER_HEADER, [user_row("oMp1"), user_row("oMp2", update_time="x")])
    write_csv(landing / "miniprogram" / "users" / "2026-10-02.csv", USER_HEADER, [user_row("oMp3")])
    users = dg.AssetKey(["raw", "miniprogram", "users"])
    result = dg.materialize(
        [raw_exports],
        selection=[users],
        resources={"warehouse": WarehouseResource(path=str(tmp_path / "w.duckdb")), "landing": LandingResource(path=str(landing))},
        tags={"dagster/asset_partition_range_start": "2026-10-01", "dagster/asset_partition_range_end": "2026-10-02"},
    )
    assert result.success
    materializations = result.asset_materializations_for_node("ingest_exports")
    assert {m.partition for m in materializations} == {"2026-10-01", "2026-10-02"}
    metadata = materializations[0].metadata
    assert metadata["rows_read"].value == 3
    assert metadata["rows_loaded"].value == 2
    assert metadata["rows_rejected"].value == 1
    assert metadata["rows_reconcile"].value is True
    assert metadata["dagster/row_count"].value == 2


def test_each_domain_declares_its_own_definitions_and_the_location_is_their_merge():
    import importlib
    import pkgutil

    import orchestration.defs
    from orchestration.definitions import defs

    domains = [importlib.import_module(f"orchestration.defs.{m.name}") for m in pkgutil.iter_modules(orchestration.defs.__path__)]
    assert {d.__name__.rsplit(".", 1)[1] for d in domains} >= {"ingest", "erasure", "identity", "models", "quality", "publish", "automation"}
    merged = dg.Definitions.merge(*(d.defs for d in domains))
    assert merged.resolve_asset_graph().get_all_asset_keys() == defs.resolve_asset_graph().get_all_asset_keys()
    assert {j.name for j in merged.resolve_all_job_defs()} == {j.name for j in defs.resolve_all_job_defs()}
