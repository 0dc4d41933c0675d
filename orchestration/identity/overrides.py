"""Operators' identity decisions as data: CSV files under ``<landing>/identity/overrides/``.

Each line is ``action,record,other_record,reason`` with a record written ``SOURCE:KEY`` (as
``c360 explain`` prints it, e.g. ``crm.members:M1001``):

  never_link   the two records are never one customer (a wrong merge undone);
  always_link  the two records are one customer (a link the rules cannot see);
  detach       the record leaves its customer and links to nothing (other_record empty).

Every file is read again on every run, so a reload or a later export never brings a wrong merge back.
A malformed line stops the run with an error naming the file and the line; a record no export holds is
reported the same way by the model ``int_identity__overrides``. A line naming an erased record is set
aside (the erasure wins, and the record is gone for good), so it does not fail every later run.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..erasure.apply import erased_record_hash, table_exists
from ..lib.masking import mask_text

OVERRIDES_FOLDER = ("identity", "overrides")
COLUMNS = ("action", "record", "other_record", "reason")
PAIR_ACTIONS = frozenset({"never_link", "always_link"})
ACTIONS = PAIR_ACTIONS | {"detach"}
SOURCES = frozenset({
    "miniprogram.users", "miniprogram.sharers", "miniprogram.buyers", "channels.buyers", "wecom.contacts",
    "official_account.followers", "app.users", "web.customers", "web.guests", "crm.members",
})
TABLE = "raw._identity_overrides"


class OverrideError(ValueError):
    """A line of an overrides file that cannot be applied."""


@dataclass(frozen=True)
class Override:
    file: str  # relative to the landing folder
    line: int
    action: str
    record_key: str  # '<source>|<source_key>', as the identity models key records
    other_record_key: str | None
    reason: str


def overrides_folder(landing_dir: Path) -> Path:
    return landing_dir.joinpath(*OVERRIDES_FOLDER)


def record_key(written: str, where: str) -> str:
    """``SOURCE:KEY`` -> ``SOURCE|KEY``; an unknown source is an error naming ``where``."""
    source, sep, key = written.strip().partition(":")
    if not sep or not key.strip():
        raise OverrideError(f"{where}: a record is written SOURCE:KEY, got {mask_text(written.strip())!r}")
    if source not in SOURCES:
        raise OverrideError(f"{where}: unknown source {source!r} (one of {', '.join(sorted(SOURCES))})")
    return f"{source}|{key.strip()}"


def _parse_line(row: dict[str, str | None], where: str, file: str, line: int) -> Override:
    action = (row.get("action") or "").strip()
    if action not in ACTIONS:
        raise OverrideError(f"{where}: unknown action {action!r} (one of {', '.join(sorted(ACTIONS))})")
    record = record_key(row.get("record") or "", where)
    other = (row.get("other_record") or "").strip()
    if action in PAIR_ACTIONS and not other:
        raise OverrideError(f"{where}: {action} needs other_record")
    if action == "detach" and other:
        raise OverrideError(f"{where}: detach takes one record, other_record must be empty")
    other_key = record_key(other, where) if other else None
    if other_key == record:
        raise OverrideError(f"{where}: {action} of a record with itself")
    return Override(file, line, action, record, other_key, (row.get("reason") or "").strip())


def read_overrides(landing_dir: Path) -> list[Override]:
    """Every override line of every file, in file then line order; raises OverrideError on the first bad one."""
    folder = overrides_folder(landing_dir)
    if not folder.is_dir():
        return []
    overrides = []
    for path in sorted(folder.glob("*.csv")):
        file = path.relative_to(landing_dir).as_posix()
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in COLUMNS[:2] if c not in (reader.fieldnames or [])]
            if missing:
                raise OverrideError(f"{file} line 1: missing column {', '.join(missing)} (columns: {', '.join(COLUMNS)})")
            for row in reader:
                if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                    continue
                line = reader.line_num
                overrides.append(_parse_line(row, f"{file} line {line}", file, line))
    return overrides


def set_aside_erased(con: duckdb.DuckDBPyConnection, overrides: list[Override], erasure_key: str,
                     erased_table: str) -> tuple[list[Override], list[Override]]:
    """(overrides to apply, overrides naming an erased record)."""
    schema, _, table = erased_table.partition(".")
    if not overrides or not table_exists(con, schema, table):
        return overrides, []
    erased = {row[0] for row in con.execute(f"select key_hash from {erased_table}").fetchall()}

    def names_erased(override: Override) -> bool:
        keys = (k for k in (override.record_key, override.other_record_key) if k)
        return any(erased_record_hash(erasure_key, *k.split("|", 1)) in erased for k in keys)

    applied, set_aside = [], []
    for override in overrides:
        (set_aside if names_erased(override) else applied).append(override)
    return applied, set_aside


def store_overrides(con: duckdb.DuckDBPyConnection, overrides: list[Override]) -> None:
    """Replace the warehouse's table of overrides with ``overrides`` (the models apply them)."""
    con.execute("create schema if not exists raw")
    con.execute(
        f"""create or replace table {TABLE} (file varchar, line bigint, action varchar, record_key varchar,
            other_record_key varchar, reason varchar)"""
    )
    if overrides:
        con.executemany(
            f"insert into {TABLE} values (?, ?, ?, ?, ?, ?)",
            [(o.file, o.line, o.action, o.record_key, o.other_record_key, o.reason) for o in overrides],
        )
