"""Erasure: requests applied to the raw layer between ingest and the models."""

import dagster as dg

from ..erasure.assets import erasure

defs = dg.Definitions(assets=[erasure])
