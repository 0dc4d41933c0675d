"""The quality gate: the Great Expectations suites as asset checks, blocking where they must."""

import dagster as dg

from ..quality.checks import quality_gate

defs = dg.Definitions(asset_checks=[quality_gate])
