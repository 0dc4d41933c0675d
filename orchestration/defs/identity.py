"""Identity inputs the models read: operators' overrides and the identity_links hashing key."""

import dagster as dg

from ..identity.assets import identity_inputs

defs = dg.Definitions(assets=[identity_inputs])
