"""Names and paths spelled into DuckDB SQL (where a parameter cannot stand: identifiers, COPY targets)."""

from __future__ import annotations

from pathlib import Path


def quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def string_literal(text: str | Path) -> str:
    return "'" + str(text).replace("'", "''") + "'"
