"""Following a run: stages reported as they start and end, the whole event log (and what the run
prints) in one masked file, nothing on the console."""

from __future__ import annotations

import io
import re
from contextlib import redirect_stdout

import dagster as dg
from dagster._core.utils import make_new_run_id

from c360.progress import PlainDisplay, RunFollower


@dg.op
def ingest_exports(context):
    context.log.info("loaded app/orders/2026-10-01.csv for 13800138001")
    print("1 of 2 START sql model staging.stg_app__orders")


@dg.op
def quality_gate(context, _after):
    raise RuntimeError("a suite failed")


@dg.job
def toy_job():
    quality_gate(ingest_exports())


def test_stages_are_shown_and_the_event_log_is_kept_masked(tmp_path):
    instance = dg.DagsterInstance.ephemeral()
    run_id = make_new_run_id()
    shown = io.StringIO()
    log_path = tmp_path / "run_logs" / f"{run_id}.log"
    with RunFollower(instance, run_id, log_path, PlainDisplay(shown), every_s=0.05) as follower, redirect_stdout(follower.stdout):
        result = toy_job.execute_in_process(
            instance=instance, run_id=run_id, raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
        )
    assert not result.success
    lines = shown.getvalue().splitlines()
    assert [re.sub(r" in [0-9.]+ s$", "", line) for line in lines] == [
        "  ingest: running", "  ingest: done", "  quality gate: running", "  quality gate: failed",
    ]
    assert lines[1].endswith(" s") and lines[3].endswith(" s")
    log = log_path.read_text(encoding="utf-8")
    assert "STEP_START" in log and "STEP_FAILURE" in log and "a suite failed" in log
    assert "app/orders/2026-10-01.csv" in log and "1 of 2 START sql model staging.stg_app__orders" in log
    assert "13800138001" not in log
    event_lines = [line for line in log.splitlines() if re.match(r"\d{4}-\d{2}-\d{2}T", line)]
    assert len(event_lines) == len(instance.all_logs(run_id))
