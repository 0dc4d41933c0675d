"""Customer 360 platform: the Dagster code location."""
