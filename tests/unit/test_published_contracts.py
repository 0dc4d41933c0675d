"""published.yaml says which columns are published; the marts' enforced dbt contracts must agree with it."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PUBLISHED = ROOT / "orchestration" / "publish" / "published.yaml"
MODELS = ROOT / "dbt_project" / "models"

# published.yaml's type vocabulary -> the DuckDB types a contract may declare for it
DUCKDB_TYPES = {
    "str": {"varchar"},
    "enum": {"varchar"},
    "int": {"tinyint", "smallint", "integer", "bigint", "hugeint"},
    "timestamptz": {"timestamp with time zone"},
    "list<str>": {"varchar[]"},
}
# DuckDB's other spellings of those types
ALIASES = {
    "text": "varchar",
    "string": "varchar",
    "int": "integer",
    "int4": "integer",
    "int8": "bigint",
    "long": "bigint",
    "int128": "hugeint",
    "timestamptz": "timestamp with time zone",
}


def duckdb_type(declared: str) -> str:
    name = re.sub(r"\s+", " ", declared.strip().lower())
    if name.endswith("[]"):
        return duckdb_type(name[:-2]) + "[]"
    return ALIASES.get(name, name)


def model_specs(models_dir: Path = MODELS) -> dict[str, dict]:
    specs = {}
    for path in sorted(models_dir.rglob("*.yml")):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models") or []:
            specs[model["name"]] = model
    return specs


def accepted_values(column: dict) -> set | None:
    for test in column.get("data_tests") or []:
        if isinstance(test, dict) and "accepted_values" in test:
            spec = test["accepted_values"]
            return set((spec.get("arguments") or spec)["values"])
    return None


def disagreements(published: dict, models: dict[str, dict]) -> list[str]:
    problems = []
    for table, spec in published.items():
        model = models.get(table)
        if model is None:
            problems.append(f"{table}: no dbt model")
            continue
        if not ((model.get("config") or {}).get("contract") or {}).get("enforced"):
            problems.append(f"{table}: contract not enforced")
        columns = {c["name"]: c for c in model.get("columns") or []}
        for name, column in spec["columns"].items():
            declared = columns.get(name, {}).get("data_type")
            if declared is None:
                problems.append(f"{table}.{name}: not in the model's contract")
                continue
            if duckdb_type(declared) not in DUCKDB_TYPES[column["type"]]:
                problems.append(f"{table}.{name}: published as {column['type']}, contract says {declared}")
            if column["type"] == "enum":
                values = accepted_values(columns[name])
                if values != set(column["values"]):
                    problems.append(f"{table}.{name}: accepted_values {sorted(values or [])} are not published.yaml's")
    return problems


def published_tables() -> dict:
    return yaml.safe_load(PUBLISHED.read_text(encoding="utf-8"))["tables"]


def test_every_published_column_is_in_its_marts_enforced_contract_with_the_published_type():
    assert disagreements(published_tables(), model_specs()) == []


def test_every_published_type_is_mapped():
    types = {c["type"] for t in published_tables().values() for c in t["columns"].values()}
    assert types <= DUCKDB_TYPES.keys()


def test_a_missing_column_a_wrong_type_an_unenforced_contract_or_other_enum_values_are_reported():
    published = {
        "t": {
            "columns": {
                "id": {"type": "str"},
                "amount": {"type": "int"},
                "kind": {"type": "enum", "values": ["a", "b"]},
                "at": {"type": "timestamptz"},
            }
        },
        "gone": {"columns": {"id": {"type": "str"}}},
    }
    models = {
        "t": {
            "config": {"contract": {"enforced": False}},
            "columns": [
                {"name": "id", "data_type": "VARCHAR"},
                {"name": "amount", "data_type": "double"},
                {"name": "kind", "data_type": "varchar", "data_tests": [{"accepted_values": {"arguments": {"values": ["a"]}}}]},
            ],
        }
    }
    assert disagreements(published, models) == [
        "t: contract not enforced",
        "t.amount: published as int, contract says double",
        "t.kind: accepted_values ['a'] are not published.yaml's",
        "t.at: not in the model's contract",
        "gone: no dbt model",
    ]


def test_duckdb_spellings_of_a_type_are_the_same_type():
    assert duckdb_type("TIMESTAMPTZ") == duckdb_type("timestamp  with time zone") == "timestamp with time zone"
    assert duckdb_type("TEXT[]") == "varchar[]"
    assert duckdb_type("INT8") == "bigint"
