"""Ingest: every channel's exports from the landing folder into the warehouse's raw schema."""

import dagster as dg

from ..ingest.assets import ingest_summary, raw_exports

defs = dg.Definitions(assets=[raw_exports, ingest_summary])
