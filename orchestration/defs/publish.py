"""Publishing the verified tables whole, as one new version."""

import dagster as dg

from ..publish.assets import published_tables_asset

defs = dg.Definitions(assets=[published_tables_asset])
