"""The resources every domain shares: the warehouse and the landing folder."""

import dagster as dg

from ..resources import LandingResource, WarehouseResource

defs = dg.Definitions(resources={"warehouse": WarehouseResource(), "landing": LandingResource()})
