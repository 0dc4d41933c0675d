"""Quality suites declared as data in ``expectations/*.yaml`` and turned into Great Expectations suites.

A suite names the Dagster asset it checks, whether a failure blocks publication, the SQL that builds the
frame it validates (only the columns it needs, and never raw personal data: formats are checked through
derived flags), the key column that identifies failing rows, and its expectations. A suite comparing
with the published version lists the published tables it reads (as ``_published_<table>``); ``views``
are temporary views its frame and reports share; ``reports`` are small tables (one may be plotted)
shown beside the check's result, never validated.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..lib.settings import EXPECTATIONS_DIR
from ..lib.yaml_files import read_yaml


@dataclass(frozen=True)
class Expectation:
    type: str
    kwargs: dict


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    sql: str
    plot_label: str | None = None  # the column naming each bar
    plot_series: tuple[str, ...] = ()  # the numeric columns drawn side by side


@dataclass(frozen=True)
class Suite:
    name: str
    asset: tuple[str, ...]
    description: str
    frame_sql: str
    key: str | None
    blocking: bool
    expectations: tuple[Expectation, ...]
    published_tables: tuple[str, ...] = ()
    views: tuple[tuple[str, str], ...] = ()  # (name, sql), created in order
    reports: tuple[Report, ...] = ()

    @property
    def check_name(self) -> str:
        return f"ge_{self.name}"


def _expectation(entry: dict) -> Expectation:
    ((type_, kwargs),) = entry.items()
    return Expectation(type=type_, kwargs=dict(kwargs or {}))


def _report(name: str, spec: dict) -> Report:
    plot = spec.get("plot") or {}
    return Report(name=name, title=spec.get("title", name), sql=spec["sql"],
                  plot_label=plot.get("label"), plot_series=tuple(plot.get("series", ())))


def load_suite(path: Path) -> Suite:
    spec = read_yaml(path)
    return Suite(
        name=spec["suite"],
        asset=tuple(spec["asset"]),
        description=spec.get("description", "").strip(),
        frame_sql=spec["frame"],
        key=spec.get("key"),
        blocking=bool(spec.get("blocking", True)),
        expectations=tuple(_expectation(e) for e in spec["expectations"]),
        published_tables=tuple(spec.get("published", ())),
        views=tuple((spec.get("views") or {}).items()),
        reports=tuple(_report(name, r) for name, r in (spec.get("reports") or {}).items()),
    )


def load_suites(directory: Path = EXPECTATIONS_DIR) -> list[Suite]:
    return [load_suite(p) for p in sorted(directory.glob("*.yaml"))]
