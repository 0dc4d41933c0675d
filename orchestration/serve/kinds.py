"""The identifier kinds a customer is looked up by, and how a value given by a caller is made the key
the index holds (normalised as the identity models normalise: phones by the erasure requests' reading
of the phone normaliser, other ids cleaned of white space). The kinds and their patterns are data:
the seed dbt_project/seeds/serve_lookup_kinds.csv, which also builds the published customer_lookup."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..erasure.requests import normalise_identifier
from ..lib.settings import DBT_PROJECT_DIR

KINDS_SEED = DBT_PROJECT_DIR / "seeds" / "serve_lookup_kinds.csv"
_WHITE_SPACE = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]")


@dataclass(frozen=True)
class LookupKind:
    name: str
    pattern: re.Pattern[str]
    description: str


@cache
def lookup_kinds(path: Path = KINDS_SEED) -> dict[str, LookupKind]:
    """Kind name -> its pattern and description, in the seed's order (a kind of several id_types once)."""
    kinds: dict[str, LookupKind] = {}
    with path.open(encoding="utf-8", newline="") as seed:
        for row in csv.DictReader(seed):
            if row["kind"] not in kinds:
                kinds[row["kind"]] = LookupKind(row["kind"], re.compile(row["pattern"]), row["description"] or row["kind"])
    return kinds


def normalised_value(kind: LookupKind, raw: str) -> str | None:
    """The index key for ``raw``, or None when it is not a well-formed value of ``kind``."""
    value = normalise_identifier("phone", raw) if kind.name == "phone" else _WHITE_SPACE.sub("", raw)
    return value if kind.pattern.fullmatch(value) else None
