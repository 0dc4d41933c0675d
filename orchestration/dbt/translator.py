"""How dbt models appear in Dagster, decided in one place: keys by schema, groups by domain, owners."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings
from dagster_dbt.dbt_project import DbtProject

from ..erasure.assets import ERASURE_ASSET_KEY
from ..ingest.assets import raw_asset_key
from ..ingest.schema import load_entities

OWNERS = ["team:data-engineering"]
# models/<layer>/<domain>/<model>: a model's group is its domain, except in staging, which is one group
# (one model per channel entity); marts at the top of marts/ are the group "marts".
LAYERS_WITHOUT_DOMAIN_GROUPS = {"staging"}
SEED_GROUP = "rules"
EXPORTS_BY_TABLE = {e.table: e for e in load_entities()}  # raw.<channel>__<entity> is the asset raw/<channel>/<entity>


def group_for(resource_props: Mapping[str, Any]) -> str:
    """The Dagster group of a dbt model or seed, from where its file sits."""
    if resource_props["resource_type"] == "seed":
        return SEED_GROUP
    layer, *rest = resource_props["fqn"][1:]
    if layer in LAYERS_WITHOUT_DOMAIN_GROUPS or len(rest) < 2:
        return layer
    return rest[0]


class C360DbtTranslator(DagsterDbtTranslator):
    """Staging models read the raw tables only after erasure has deleted from them (a dependency dbt
    cannot see: erasure is not a dbt source)."""

    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))
        self._specs: dict[tuple[int, str, int], dg.AssetSpec] = {}

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> dg.AssetSpec:
        # dagster-dbt asks again for every test and dependency of a node (about 15 times per node here),
        # and memoizes its own answer by the same key
        memo = (id(manifest), unique_id, id(project))
        if memo not in self._specs:
            self._specs[memo] = self._spec(manifest, unique_id, project)
        return self._specs[memo]

    def _spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            entity = EXPORTS_BY_TABLE.get(props["name"]) if props["source_name"] == "raw" else None
            return spec.replace_attributes(key=raw_asset_key(entity)) if entity else spec  # else its meta's key
        return spec.replace_attributes(
            key=dg.AssetKey([props["config"].get("schema") or "dbt", props["name"]]),
            group_name=group_for(props),
            owners=OWNERS,
            deps=[*spec.deps, ERASURE_ASSET_KEY] if group_for(props) == "staging" else spec.deps,
        )
