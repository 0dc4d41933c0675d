"""The published tables, read from ``published.yaml`` (declared as data)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..lib.yaml_files import read_yaml

PUBLISHED_FILE = Path(__file__).with_name("published.yaml")
SOURCE_SCHEMA = "marts"


@dataclass(frozen=True)
class PublishedTable:
    name: str
    key: tuple[str, ...]
    columns: tuple[str, ...]


@cache
def published_tables(path: Path = PUBLISHED_FILE) -> tuple[PublishedTable, ...]:
    spec = read_yaml(path)
    return tuple(
        PublishedTable(name=name, key=tuple(t["key"]), columns=tuple(t["columns"]))
        for name, t in spec["tables"].items()
    )
