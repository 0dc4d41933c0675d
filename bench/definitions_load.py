"""How long the Dagster definitions take to load, this checkout against an older commit, measured in the
same run and the same environment (alternating, so the machine's load falls on both alike). The older
commit is checked out in a temporary git worktree with its own dbt manifest (parsed ahead of timing).

    .venv/bin/python -m bench.definitions_load --against 5e12780 --runs 7
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench.harness import BENCHMARKS_MD, PROJECT_ROOT, machine

LOAD = (
    "import time; wall, cpu = time.perf_counter(), time.process_time(); import orchestration.definitions; "
    "print(time.perf_counter() - wall, time.process_time() - cpu)"
)


def load_seconds(checkout: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one fresh interpreter importing the code location of ``checkout`` (its cwd
    comes first on sys.path). CPU time leaves out what other work on a shared machine takes from it."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    wall, cpu = subprocess.check_output([sys.executable, "-c", LOAD], cwd=checkout, env=env, text=True).split()
    return float(wall), float(cpu)


def worktree_of(commit: str, parent: Path) -> Path:
    from orchestration.dbt.project import prepare_manifest

    checkout = parent / commit
    subprocess.run(["git", "-C", str(PROJECT_ROOT), "worktree", "add", "--detach", str(checkout), commit],
                   check=True, capture_output=True)
    prepare_manifest(checkout / "dbt_project")  # the older commit's definitions load its own manifest
    return checkout


def compare(against: str, runs: int) -> dict[str, list[tuple[float, float]]]:
    with tempfile.TemporaryDirectory(prefix="c360-defs-") as parent:
        baseline = worktree_of(against, Path(parent))
        try:
            load_seconds(PROJECT_ROOT), load_seconds(baseline)  # warm the page cache for both
            timings: dict[str, list[tuple[float, float]]] = {"this checkout": [], against: []}
            checkouts = [("this checkout", PROJECT_ROOT), (against, baseline)]
            for run in range(runs):
                for name, checkout in checkouts if run % 2 == 0 else reversed(checkouts):  # neither always first
                    timings[name].append(load_seconds(checkout))
        finally:
            subprocess.run(["git", "-C", str(PROJECT_ROOT), "worktree", "remove", "--force", str(baseline)], check=False)
    return timings


def markdown(timings: dict[str, list[tuple[float, float]]], against: str, runs: int) -> str:
    m = machine()
    head = subprocess.check_output(["git", "-C", str(PROJECT_ROOT), "rev-parse", "--short", "HEAD"], text=True).strip()
    lines = [
        f"## Loading the Dagster definitions — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {m['cores']} cores, {m['memory_gib']} GiB; dagster {m['dagster']}, dagster-dbt {m['dagster-dbt']}, "
        f"dbt-core {m['dbt-core']}. `python -m bench.definitions_load --against {against} --runs {runs}`: "
        f"`import orchestration.definitions` in a fresh interpreter, {head} and {against} taking turns to go first.",
        "",
        "| checkout | wall best s | wall median s | wall worst s | CPU best s | CPU median s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, pairs in timings.items():
        label = head if name == "this checkout" else name
        wall, cpu = [p[0] for p in pairs], [p[1] for p in pairs]
        lines.append(f"| {label} | {min(wall):.2f} | {statistics.median(wall):.2f} | {max(wall):.2f} "
                     f"| {min(cpu):.2f} | {statistics.median(cpu):.2f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.definitions_load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--against", required=True, help="the commit to compare with")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-markdown", action="store_true", help="print only; docs/benchmarks.md untouched")
    args = parser.parse_args(argv)
    timings = compare(args.against, args.runs)
    report = markdown(timings, args.against, args.runs)
    print(report)
    if not args.no_markdown:
        with BENCHMARKS_MD.open("a", encoding="utf-8") as handle:
            handle.write("\n" + report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
