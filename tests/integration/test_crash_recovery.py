"""A run killed (SIGKILL) during ingestion, the dbt build, the quality gate or the publish swap: the
published version stays one complete version, and the next run produces exactly the tables an
uninterrupted run produces."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from c360_tools.generate import generate
from orchestration.publish.swap import PublishLayout
from orchestration.publish.tables import published_tables

# two whole runs per kill point: CI kills the run in the dbt build (the stage with the most state half
# written: incremental staging, the id registry); `make test-kill` kills it at every stage (about 8 minutes)
pytestmark = pytest.mark.slow
IN_CI = {"dbt build"}

C360 = [sys.executable, "-m", "c360.cli", "run"]
DAYS = 5
FIRST_PHASE_DAYS = 3
# when a run happened, not what it computed: they differ between any two runs
WALL_CLOCK_COLUMNS = {"changed_at", "computed_at"}


def landing_up_to(source: Path, target: Path, last_day: str) -> None:
    for path in source.rglob("*"):
        if path.is_file() and path.name[:10] <= last_day:
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)


def c360_run(landing: Path, data: Path, kill_at: str | None = None, kill_on_line: str | None = None, delay_s: float = 0.0,
             verbose: bool = False):
    env = {**os.environ, "C360_LANDING_DIR": str(landing), "C360_DATA_DIR": str(data)}
    env.pop("DAGSTER_HOME", None)
    if kill_at:
        env["C360_KILL_AT"] = kill_at
    process = subprocess.Popen([*C360, *(["-v"] if verbose else [])], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    output = []
    for line in process.stdout:
        output.append(line)
        if kill_on_line and kill_on_line in line:
            time.sleep(delay_s)
            os.killpg(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=600)
    return process.returncode, "".join(output)


def published_snapshot(data: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(PublishLayout(data).published), read_only=True) as con:
        snapshot = {}
        for table in published_tables():
            columns = [c for c in table.columns if c not in WALL_CLOCK_COLUMNS]
            query = f"select {', '.join(columns)} from c360.{table.name} order by all"
            snapshot[table.name] = con.execute(query).fetchall()
        snapshot["_log_versions"] = con.execute("select count(*), max(version) from c360._publish_log").fetchall()
    return snapshot


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Generated exports; a first phase (3 days) published as version 1; the uninterrupted reference of
    the second phase (5 days)."""
    root = tmp_path_factory.mktemp("crash")
    summary = generate(root / "gen", persons=200, days=DAYS, seed=5)
    phase_one, phase_two = root / "landing_3", root / "landing_5"
    landing_up_to(summary.landing_dir, phase_one, f"2026-10-0{FIRST_PHASE_DAYS}")
    landing_up_to(summary.landing_dir, phase_two, f"2026-10-0{DAYS}")
    reference = root / "data_reference"
    code, output = c360_run(phase_one, reference)
    assert code == 0, output[-3000:]
    after_phase_one = root / "data_after_phase_one"
    shutil.copytree(reference, after_phase_one, symlinks=True)
    code, output = c360_run(phase_two, reference)  # in place: its dbt parse is prepared for this folder
    assert code == 0, output[-3000:]
    return root, phase_two, after_phase_one, published_snapshot(reference)


KILLS = {
    "ingestion": {"kill_at": "ingest_after_miniprogram__orders"},
    # while dbt writes the id registry (dbt's own lines stream with -v): incremental staging written, the
    # registry half-written, customer_id_history and the marts not yet
    "dbt build": {"kill_on_line": "START sql incremental model intermediate.int_identity__customer_registry",
                  "delay_s": 0.1, "verbose": True},
    "quality gate": {"kill_on_line": "  quality gate: running", "delay_s": 1.0},
    "publish before swap": {"kill_at": "publish_before_swap"},
    "publish mid swap": {"kill_at": "publish_mid_swap"},
}


@pytest.mark.parametrize("stage", [pytest.param(s, marks=() if s in IN_CI else pytest.mark.kill) for s in KILLS])
def test_a_killed_run_leaves_one_complete_version_and_the_next_run_recovers(history, stage):
    root, landing, after_phase_one, reference = history
    data = root / f"data_killed_{stage.replace(' ', '_')}"
    shutil.copytree(after_phase_one, data, symlinks=True)
    published_before = published_snapshot(data)

    code, output = c360_run(landing, data, **KILLS[stage])
    assert code == -signal.SIGKILL, f"the run was not killed at {stage}:\n{output[-2000:]}"
    after_kill = published_snapshot(data)
    if stage != "publish mid swap":
        assert after_kill == published_before
    else:  # the DuckDB file was swapped, the Parquet link not yet: each is one whole version
        assert after_kill["_log_versions"] == [(2, 2)]

    code, output = c360_run(landing, data)
    assert code == 0, output[-3000:]
    recovered = published_snapshot(data)
    for table in published_tables():
        assert recovered[table.name] == reference[table.name], f"{table.name} differs after recovering from a kill at {stage}"
