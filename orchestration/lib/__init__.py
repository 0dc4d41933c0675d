"""Helpers shared by the code location, the command line and the tools: no Dagster definitions."""
