"""Running quality suites with Great Expectations 1.x on frames read from the warehouse.

Great Expectations' SQL datasource does not work on DuckDB, so each suite's frame is read with DuckDB
(only the columns the suite needs) and validated as a pandas dataframe; with dbt on Spark's local
session it is a Spark DataFrame, validated by GE's Spark datasource (frames.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..lib.files import make_owner_only, owner_only_dir
from ..lib.masking import mask_value
from .frames import Frames
from .reports import ReportTable, run_report
from .suites import Suite

SAMPLE_ROWS = 5


@dataclass
class ExpectationOutcome:
    type: str
    column: str | None
    success: bool
    observed: Any = None
    unexpected_count: int | None = None
    sample: list = field(default_factory=list)  # keys of failing rows, masked

    def describe(self) -> str:
        target = f"({self.column})" if self.column else ""
        detail = f"observed {self.observed}" if self.observed is not None else f"{self.unexpected_count} unexpected"
        return f"{self.type}{target}: {detail}" + (f", e.g. {self.sample}" if self.sample else "")


@dataclass
class SuiteResult:
    suite: Suite
    success: bool
    rows: int
    outcomes: list[ExpectationOutcome]
    error: str | None = None
    reports: list[ReportTable] = field(default_factory=list)
    dataframes: str = "pandas"  # what Great Expectations validated: pandas or Spark DataFrames

    @property
    def failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]

    def summary(self) -> str:
        if self.error:
            return f"{self.suite.name}: could not run ({self.error})"
        if self.success:
            return f"{self.suite.name}: {len(self.outcomes)} expectations passed on {self.rows} rows"
        return f"{self.suite.name}: {len(self.failures)} of {len(self.outcomes)} failed: " + "; ".join(f.describe() for f in self.failures)


def _quiet_great_expectations() -> None:
    logging.getLogger("great_expectations").setLevel(logging.ERROR)


class QualityGate:
    """One Great Expectations context for a run: suites are validated into it, then data docs built."""

    def __init__(self, docs_dir: Path | None = None):
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        _quiet_great_expectations()
        self._gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        for site in list(self.context.list_data_docs_sites()):
            self.context.delete_data_docs_site(site)
        self.docs_dir = docs_dir
        if docs_dir:
            owner_only_dir(docs_dir.parent)
            owner_only_dir(docs_dir)
            self.context.add_data_docs_site(
                "c360",
                {
                    "class_name": "SiteBuilder",
                    "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
                    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                },
            )
        self._sources: dict[str, Any] = {}

    def _source(self, kind: str):
        if kind not in self._sources:
            add = self.context.data_sources.add_spark if kind == "spark" else self.context.data_sources.add_pandas
            self._sources[kind] = add(f"warehouse_{kind}")
        return self._sources[kind]

    def _validation_definition(self, suite: Suite, kind: str):
        gx = self._gx
        asset = self._source(kind).add_dataframe_asset(suite.name)
        batch = asset.add_batch_definition_whole_dataframe(f"{suite.name}_frame")
        expectations = [
            gx.expectations.registry.get_expectation_impl(e.type)(**e.kwargs) for e in suite.expectations
        ]
        gx_suite = self.context.suites.add(gx.ExpectationSuite(name=suite.name, expectations=expectations))
        return self.context.validation_definitions.add(gx.ValidationDefinition(name=suite.name, data=batch, suite=gx_suite))

    def validate(self, frames: Frames, suite: Suite) -> SuiteResult:
        try:
            for name, sql in suite.views:
                frames.create_view(name, sql)
            frame = frames.frame(suite.frame_sql)
            rows = frames.row_count(frame)
            reports = [run_report(frames, report) for report in suite.reports]
        except frames.errors as exc:  # the engine refused the suite's SQL: the suite could not run (and fails)
            return SuiteResult(suite, False, 0, [], error=f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
        definition = self._validation_definition(suite, frames.kind)
        result_format: dict[str, Any] = {"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_ROWS}
        if suite.key and suite.key in frame.columns:
            result_format["unexpected_index_column_names"] = [suite.key]
        result = definition.run(batch_parameters={"dataframe": frame}, result_format=result_format)
        outcomes = [_outcome(r, suite.key) for r in result.results]
        return SuiteResult(suite, bool(result.success), rows, outcomes, reports=reports, dataframes=frames.kind)

    def build_docs(self) -> Path | None:
        if not self.docs_dir:
            return None
        self.context.build_data_docs(site_names=["c360"])
        make_owner_only(self.docs_dir, recursive=True)
        return self.docs_dir / "index.html"


def _outcome(result, key: str | None) -> ExpectationOutcome:
    config = result.expectation_config
    column = config.kwargs.get("column")
    details = result.result or {}
    sample: list = []
    if not result.success:
        indexed = details.get("partial_unexpected_index_list") or []
        if indexed and key:
            sample = [mask_value(key, row.get(key)) for row in indexed[:SAMPLE_ROWS] if isinstance(row, dict)]
        else:
            sample = [mask_value(column or "", v) for v in (details.get("partial_unexpected_list") or [])[:SAMPLE_ROWS]]
    observed = details.get("observed_value")
    return ExpectationOutcome(
        type=config.type,
        column=column,
        success=bool(result.success),
        observed=mask_value(column or "", observed) if isinstance(observed, str) else observed,
        unexpected_count=details.get("unexpected_count"),
        sample=sample,
    )
