"""The export schemas, declared as data in ``exports.yaml`` and read here into typed objects."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..lib.settings import EXPORTS_FILE
from ..lib.yaml_files import read_yaml

SCHEMA_FILE = EXPORTS_FILE  # exports.yaml beside this module, unless $C360_EXPORTS_FILE names a copy

# DuckDB type of each contract type, for the raw tables.
DUCKDB_TYPES = {
    "str": "VARCHAR",
    "enum": "VARCHAR",
    "int": "BIGINT",
    "bool01": "BOOLEAN",
    "ts": "TIMESTAMPTZ",
    "date": "DATE",
    "partial_date": "VARCHAR",
    "fen": "BIGINT",
    "yuan": "DECIMAL(18,2)",
    "list": "VARCHAR[]",
}

# Lineage columns every raw table carries after the export's own columns.
LINEAGE_COLUMNS = {
    "_source_file": "VARCHAR",
    "_file_date": "DATE",
    "_row_number": "BIGINT",
    "_file_hash": "VARCHAR",
    "_loaded_at": "TIMESTAMPTZ",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    zh: str | None = None
    is_id: bool = False
    id_form: str = "any"  # any | hex: which scientific-notation look-alikes a text id rejects (see parse)
    values: tuple[str, ...] = ()
    sep: str | None = None
    strip: str | None = None

    @property
    def duckdb_type(self) -> str:
        return DUCKDB_TYPES[self.type]


@dataclass(frozen=True)
class Entity:
    channel: str
    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]

    @property
    def qualified_name(self) -> str:
        """``<channel>/<entity>``: the landing folder and the asset's name."""
        return f"{self.channel}/{self.name}"

    @property
    def table(self) -> str:
        """The raw table in the warehouse: ``raw.<channel>__<entity>``."""
        return f"{self.channel}__{self.name}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def header_aliases(self) -> dict[str, str]:
        """Every accepted header cell (canonical or Chinese, case-folded) -> canonical name."""
        aliases: dict[str, str] = {}
        for column in self.columns:
            aliases[normalise_header_cell(column.name)] = column.name
            if column.zh:
                aliases[normalise_header_cell(column.zh)] = column.name
        return aliases


def normalise_header_cell(cell: str) -> str:
    return cell.replace("\ufeff", "").strip().strip('"').strip().casefold()


def _column(name: str, spec: dict) -> Column:
    return Column(
        name=name,
        type=spec["type"],
        required=bool(spec.get("required", False)),
        zh=spec.get("zh"),
        is_id=bool(spec.get("id", False)),
        id_form="hex" if spec.get("id") == "hex" else "any",
        values=tuple(str(v) for v in spec.get("values", ())),
        sep=spec.get("sep"),
        strip=spec.get("strip"),
    )


@cache
def load_entities(path: Path = SCHEMA_FILE) -> tuple[Entity, ...]:
    document = read_yaml(path)
    entities = []
    for channel, channel_entities in document["channels"].items():
        for name, spec in channel_entities.items():
            columns = tuple(_column(col, col_spec) for col, col_spec in spec["columns"].items())
            entities.append(Entity(channel=channel, name=name, key=tuple(spec["key"]), columns=columns))
    return tuple(entities)


def entities_by_name() -> dict[str, Entity]:
    return {e.qualified_name: e for e in load_entities()}
