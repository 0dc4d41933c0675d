"""One nightly run on generated data shared by the tests that read a whole night without changing it: the
card service's tests and the personal-data scan. Its event log and everything the run printed are kept,
so that the scan reads them as it would read them from its own run."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest
from dagster._serdes import serialize_value

from c360.runner import run_nightly
from c360_tools.generate import generate
from orchestration.lib.settings import Paths

PSEUDONYM_KEY = "a-test-key"


@dataclass(frozen=True)
class GeneratedNight:
    paths: Paths
    truth_dir: Path
    event_log: str  # every event record of the run, serialised
    console: str  # what the run wrote to standard output and error, at file-descriptor level too


@contextmanager
def console_into(path: Path):
    """Standard output and error into ``path`` for the block, both the Python streams and descriptors 1
    and 2 (what a child process or a C library writes), as pytest's capfd captures them."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved_descriptors, saved_streams = (os.dup(1), os.dup(2)), (sys.stdout, sys.stderr)
    with path.open("w", encoding="utf-8", errors="replace") as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        sys.stdout = sys.stderr = sink
        try:
            yield
        finally:
            sink.flush()
            sys.stdout, sys.stderr = saved_streams
            for descriptor, saved in zip((1, 2), saved_descriptors, strict=True):
                os.dup2(saved, descriptor)
                os.close(saved)


def run_generated_night(root: Path) -> GeneratedNight:
    summary = generate(root / "gen", persons=400, days=14, seed=11)
    paths = Paths(landing_dir=summary.landing_dir, data_dir=root / "data")
    with pytest.MonkeyPatch.context() as env, dg.instance_for_test() as instance:
        env.setenv("C360_PSEUDONYM_KEY", PSEUDONYM_KEY)  # so that the night writes the pseudonymised copy too
        with console_into(root / "console.txt"):
            result = run_nightly(paths, instance=instance)
        assert result.success, result.failure
        event_log = "\n".join(serialize_value(entry) for entry in instance.all_logs(result.run_id))
    console = (root / "console.txt").read_text(encoding="utf-8")
    return GeneratedNight(paths, summary.truth_dir, event_log, console)
