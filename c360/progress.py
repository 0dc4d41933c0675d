"""Following a run in process: its stages as they start and finish (a live display on a terminal, plain
lines otherwise) and its whole event log, masked, in a file under the data folder."""

from __future__ import annotations

import io
import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import dagster as dg

from orchestration.automation.alerts import root_cause
from orchestration.lib.files import owner_only_dir
from orchestration.lib.masking import mask_text

STAGE_LABELS = {
    "ingest_exports": "ingest",
    "raw__erasure": "erasure",
    "identity_inputs": "identity inputs",
    "raw__ingest_summary": "ingest summary",
    "dbt_models": "dbt models",
    "quality_gate": "quality gate",
    "publish__published_tables": "publish",
}
_OUTCOMES = {"STEP_START": "running", "STEP_SUCCESS": "done", "STEP_FAILURE": "failed", "STEP_UP_FOR_RETRY": "retrying"}


@dataclass
class Stage:
    label: str
    started_at: float
    outcome: str = "running"
    finished_at: float | None = None

    @property
    def seconds(self) -> float:
        return (self.finished_at or time.time()) - self.started_at

    def describe(self) -> str:
        return f"{self.label}: {self.outcome}" + (f" in {self.seconds:.1f} s" if self.finished_at else "")


class PlainDisplay:
    """A line when a stage starts and when it ends (for logs, cron mails, pipes)."""

    def __init__(self, stream: TextIO):
        self.stream = stream

    def changed(self, stage: Stage, stages: list[Stage]) -> None:
        print(f"  {stage.describe()}", file=self.stream, flush=True)

    def close(self) -> None:
        pass


class LiveDisplay:
    """Every stage on one screen, redrawn as they move (on a terminal)."""

    def __init__(self, stream: TextIO):
        from rich.console import Console
        from rich.live import Live

        self._live = Live(console=Console(file=stream), refresh_per_second=4, redirect_stdout=False, redirect_stderr=False)
        self._live.start()

    def changed(self, stage: Stage, stages: list[Stage]) -> None:
        from rich.table import Table

        table = Table(show_header=False, box=None, padding=(0, 2))
        marks = {"running": "…", "done": "✓", "failed": "✗", "retrying": "↻"}
        for each in stages:
            table.add_row(marks[each.outcome], each.label, f"{each.seconds:.1f} s", each.outcome)
        self._live.update(table)

    def close(self) -> None:
        self._live.stop()


def display_for(stream: TextIO) -> PlainDisplay | LiveDisplay:
    return LiveDisplay(stream) if stream.isatty() else PlainDisplay(stream)


def _log_line(entry) -> str:
    event = entry.dagster_event
    kind = event.event_type_value if event else "LOG"
    when = datetime.fromtimestamp(entry.timestamp, tz=UTC).isoformat(timespec="milliseconds")
    text = " ".join((entry.user_message or (event.message if event else "") or "").split())
    if event and event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
        text += f" ({root_cause(event.step_failure_data.error)})"
    return mask_text(f"{when} {logging.getLevelName(entry.level)} {entry.step_key or '-'} {kind} {text}")


class _LogWriter(io.TextIOBase):
    """What the run prints (dbt's console output) into the run's log file, masked, a line at a time."""

    def __init__(self, follower: RunFollower):
        self._follower = follower
        self._partial = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        *lines, self._partial = (self._partial + text).split("\n")
        for line in lines:
            self._follower.write_line(mask_text(line))
        return len(text)


class RunFollower:
    """Reads a run's event log while it executes (a thread polling the instance), writing every entry to
    ``log_path`` and telling ``display`` about each stage's start and end. ``stdout`` takes what the run
    prints into the same file."""

    def __init__(self, instance: dg.DagsterInstance, run_id: str, log_path: Path, display=None, every_s: float = 0.25):
        self.instance, self.run_id, self.log_path, self.display, self.every_s = instance, run_id, log_path, display, every_s
        self.stages: dict[str, Stage] = {}
        self._cursor: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._follow, name="c360-run-follower", daemon=True)
        self._lock = threading.Lock()
        self.stdout = _LogWriter(self)

    def write_line(self, line: str) -> None:
        with self._lock:
            self._log.write(line + "\n")

    def __enter__(self) -> RunFollower:
        owner_only_dir(self.log_path.parent)
        descriptor = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._log = os.fdopen(descriptor, "a", encoding="utf-8")
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._read_new()  # what arrived after the last poll
        self._log.close()
        if self.display:
            self.display.close()

    def _follow(self) -> None:
        while not self._stop.wait(self.every_s):
            self._read_new()

    def _read_new(self) -> None:
        connection = self.instance.event_log_storage.get_records_for_run(self.run_id, cursor=self._cursor)
        self._cursor = connection.cursor
        for record in connection.records:
            entry = record.event_log_entry
            self.write_line(_log_line(entry))
            self._track(entry)
        with self._lock:
            self._log.flush()

    def _track(self, entry) -> None:
        event = entry.dagster_event
        outcome = _OUTCOMES.get(event.event_type_value) if event else None
        if outcome is None or not entry.step_key:
            return
        stage = self.stages.setdefault(entry.step_key, Stage(STAGE_LABELS.get(entry.step_key, entry.step_key), entry.timestamp))
        stage.outcome = outcome
        stage.finished_at = entry.timestamp if outcome in ("done", "failed") else None
        if outcome == "running":
            stage.started_at = entry.timestamp
        if self.display:
            self.display.changed(stage, list(self.stages.values()))
