"""Identity decisions made outside the models: operators' overrides of the resolution."""
