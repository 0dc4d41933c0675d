"""Running the nightly job in process: what ``c360 run``, tests and benchmarks call."""

from __future__ import annotations

import os
from contextlib import nullcontext, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.automation.alerts import root_cause
from orchestration.lib.masking import mask_text
from orchestration.lib.settings import Paths, settings
from orchestration.lib.warehouse import WarehouseLocked, WarehouseUnreadable, open_duckdb
from orchestration.quality.checks import SUITES

QUALITY_GATE_CHECKS = frozenset(suite.check_name for suite in SUITES)


@dataclass
class NightlyResult:
    success: bool
    paths: Paths
    run_id: str | None = None
    failure: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    step_windows: dict[str, tuple[float, float]] = field(default_factory=dict)  # step -> (start, end) epoch s

    def summary(self) -> str:
        lines = [f"nightly run {'succeeded' if self.success else 'FAILED'} (run {self.run_id})"]
        if self.failure:
            lines.append(f"  why: {self.failure}")
        lines.append(f"  landing folder: {self.paths.landing_dir}")
        lines.append(f"  warehouse:      {self.paths.warehouse}")
        if self.paths.published.exists():
            lines.append(f"  published:      {self.paths.published} (schema c360)")
        if self.run_id and event_log_path(self.paths, self.run_id).exists():
            lines.append(f"  event log:      {event_log_path(self.paths, self.run_id)}")
        for name, value in self.counts.items():
            lines.append(f"  {name}: {value}")
        return "\n".join(lines)


def event_log_path(paths: Paths, run_id: str) -> Path:
    return paths.data_dir / "run_logs" / f"{run_id}.log"


def _instance() -> dg.DagsterInstance:
    return dg.DagsterInstance.get() if settings().dagster_home else dg.DagsterInstance.ephemeral()


def _ingest_counts(paths: Paths) -> dict[str, int]:
    if not paths.warehouse.exists():
        return {}
    try:
        return _read_ingest_counts(paths)
    except (duckdb.Error, WarehouseLocked, WarehouseUnreadable):  # a warehouse the run could not open: the failure says why
        return {}


def _read_ingest_counts(paths: Paths) -> dict[str, int]:
    with open_duckdb(paths.warehouse, read_only=True, lock_timeout_s=5) as con:
        files, read, loaded, rejected = con.execute(
            "select count(*), coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), "
            "coalesce(sum(rows_rejected), 0) from raw._files"
        ).fetchone()
        whole = con.execute("select count(*) from raw._files where status = 'rejected'").fetchone()[0]
    return {"files": files, "files rejected whole": whole, "rows read": read, "rows loaded": loaded, "rows rejected": rejected}


def _check_summary(evaluation: dg.AssetCheckEvaluation) -> str:
    """The check's own one-line summary (masked where it is written), e.g. which measures failed."""
    summary = evaluation.metadata.get("summary")
    return f" ({summary.value})" if summary is not None else ""


def failure_message(result: dg.ExecuteInProcessResult) -> str:
    """Why the run failed, in one line: the failed blocking checks (the quality gate's suites, or the dbt
    tests that stopped the models before it), or the first failed step's root cause."""
    failed = [e for e in result.get_asset_check_evaluations()
              if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR]
    gate = [f"{e.asset_key.to_user_string()}:{e.check_name}" + _check_summary(e) for e in failed if e.check_name in QUALITY_GATE_CHECKS]
    dbt_tests = [f"{e.asset_key.to_user_string()}:{e.check_name}" for e in failed if e.check_name not in QUALITY_GATE_CHECKS]
    if gate:
        return "quality gate failed, nothing published: " + ", ".join(gate)
    if dbt_tests:
        return "dbt tests failed, the quality gate and the publish did not run: " + ", ".join(dbt_tests)
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            return f"step {event.step_key}: {mask_text(root_cause(event.step_failure_data.error))}"
    return "the run failed (see the run's events)"


def skipped_steps(result: dg.ExecuteInProcessResult) -> list[str]:
    """Steps Dagster skipped in a run that did not fail: a step whose input an upstream step never yielded."""
    return [e.step_key for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_SKIPPED]


def _skipped_message(skipped: list[str]) -> str:
    return (f"steps skipped, so nothing was published: {', '.join(skipped)} (an upstream step yielded no "
            "result for an asset they need; see the event log)")


def _step_windows(instance: dg.DagsterInstance, run_id: str) -> dict[str, tuple[float, float]]:
    starts: dict[str, float] = {}
    windows: dict[str, tuple[float, float]] = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or not event.step_key:
            continue
        if event.event_type_value == "STEP_START":
            starts[event.step_key] = entry.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and event.step_key in starts:
            windows[event.step_key] = (starts[event.step_key], entry.timestamp)
    return windows


def run_nightly(
    paths: Paths,
    instance: dg.DagsterInstance | None = None,
    full_refresh: bool = False,
    display=None,
    verbose: bool = False,
) -> NightlyResult:
    """Run the nightly job over every file date in the landing folder (on ``instance``, or the one
    $DAGSTER_HOME names, or an ephemeral one); ``full_refresh`` rebuilds the incremental dbt models.
    Whatever fails, the result says what and why (masked) rather than raising. The whole event log goes
    to a file under the data folder; ``display`` (c360.progress) shows the stages, ``verbose`` streams the
    event log to the console too."""
    try:
        return _run_nightly(paths, instance, full_refresh, display, verbose)
    except Exception as exc:  # noqa: BLE001 - the CLI's summary names every failure, a traceback helps nobody at 2 am
        return NightlyResult(False, paths, failure=mask_text(f"{type(exc).__name__}: {exc}".splitlines()[0]), counts=_ingest_counts(paths))


def _run_config(full_refresh: bool, verbose: bool) -> dict:
    return {
        "ops": {"dbt_models": {"config": {"full_refresh": full_refresh}}},
        "loggers": {"console": {"config": {"log_level": "DEBUG" if verbose else "CRITICAL"}}},
    }


def _run_nightly(paths: Paths, instance: dg.DagsterInstance | None, full_refresh: bool, display, verbose: bool) -> NightlyResult:
    from dagster._core.utils import make_new_run_id

    from orchestration.automation.jobs import NIGHTLY_JOB, landing_date_range, partition_range_tags
    from orchestration.dbt.project import ensure_manifest

    from .progress import RunFollower

    os.environ["C360_LANDING_DIR"] = str(paths.landing_dir)
    os.environ["C360_DATA_DIR"] = str(paths.data_dir)
    ensure_manifest()  # after the paths are set: the prepared parse is for this run's warehouse
    from orchestration.definitions import defs

    span = landing_date_range(paths.landing_dir)
    if span is None:
        return NightlyResult(False, paths, failure=f"no export files with a date in the partitions under {paths.landing_dir}")
    job = defs.resolve_job_def(NIGHTLY_JOB)
    run_id = make_new_run_id()
    with nullcontext(instance) if instance is not None else _instance() as active:
        with RunFollower(active, run_id, event_log_path(paths, run_id), display) as follower, (
            nullcontext() if verbose else redirect_stdout(follower.stdout)  # dbt's console output too
        ):
            result = job.execute_in_process(
                instance=active,
                run_id=run_id,
                tags=partition_range_tags(*span),
                run_config=_run_config(full_refresh, verbose),
                raise_on_error=False,
            )
        windows = _step_windows(active, result.run_id)
    skipped = skipped_steps(result)
    return NightlyResult(
        success=result.success and not skipped,
        paths=paths,
        run_id=result.run_id,
        failure=failure_message(result) if not result.success else _skipped_message(skipped) if skipped else None,
        counts=_ingest_counts(paths),
        step_windows=windows,
    )
