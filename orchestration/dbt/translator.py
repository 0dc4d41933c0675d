"""How dbt models appear in Dagster: keys by layer, groups that read as the pipeline does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

# models/<folder>/... -> Dagster group
GROUP_BY_FOLDER = {
    "staging": "staging",
    "intermediate": "identity",
    "marts": "marts",
    "profiles": "profiles",
}


class C360DbtTranslator(DagsterDbtTranslator):
    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        return dg.AssetKey([dbt_resource_props["config"].get("schema") or "dbt", dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        folder = fqn[1] if len(fqn) > 2 else None
        if len(fqn) > 3 and fqn[2] == "profiles":
            folder = "profiles"
        return GROUP_BY_FOLDER.get(folder or "", "dbt")

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return ["team:data-engineering"]
