"""The code location's definitions, one module per domain; ``orchestration.definitions`` merges them.
Each module only declares what its domain's package defines (the logic lives beside it: ingest/,
erasure/, identity/, dbt/, quality/, publish/, automation/)."""
