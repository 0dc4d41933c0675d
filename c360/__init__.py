"""The ``c360`` command and the in-process runner: a client of the code location in ``orchestration``."""
