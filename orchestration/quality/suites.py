"""Quality suites declared as data in ``expectations/*.yaml`` and turned into Great Expectations suites.

A suite names the Dagster asset it checks, whether a failure blocks publication, the SQL that builds the
frame it validates (only the columns it needs, and never raw personal data: formats are checked through
derived flags), the key column that identifies failing rows, and its expectations.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from ..lib.settings import EXPECTATIONS_DIR


@dataclass(frozen=True)
class Expectation:
    type: str
    kwargs: dict


@dataclass(frozen=True)
class Suite:
    name: str
    asset: tuple[str, ...]
    description: str
    frame_sql: str
    key: str | None
    blocking: bool
    expectations: tuple[Expectation, ...]

    @property
    def check_name(self) -> str:
        return f"ge_{self.name}"


def _expectation(entry: dict) -> Expectation:
    ((type_, kwargs),) = entry.items()
    return Expectation(type=type_, kwargs=dict(kwargs or {}))


def load_suite(path: Path) -> Suite:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Suite(
        name=spec["suite"],
        asset=tuple(spec["asset"]),
        description=spec.get("description", "").strip(),
        frame_sql=spec["frame"],
        key=spec.get("key"),
        blocking=bool(spec.get("blocking", True)),
        expectations=tuple(_expectation(e) for e in spec["expectations"]),
    )


def load_suites(directory: Path = EXPECTATIONS_DIR) -> list[Suite]:
    return [load_suite(p) for p in sorted(directory.glob("*.yaml"))]
