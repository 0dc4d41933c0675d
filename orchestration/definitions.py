"""The Dagster code location: the definitions of each domain (``orchestration/defs/``), merged."""

from __future__ import annotations

import dagster as dg

from .defs import automation, erasure, identity, ingest, models, publish, quality, resources
from .lib.files import owner_only_umask

owner_only_umask()  # the run workers this code location starts write personal data: owner-only, whatever started them

defs = dg.Definitions.merge(
    resources.defs,
    ingest.defs,
    erasure.defs,
    identity.defs,
    models.defs,
    quality.defs,
    publish.defs,
    automation.defs,
)
