"""The benchmark harness: generate N persons (fixed seed), run the nightly job stage by stage with peak
memory per stage, measure the floor in the same run, a one-new-day run, the definitions' load time and
the identity stage alone; write JSON and append a table to docs/benchmarks.md.

    make bench PERSONS=100000            # or: .venv/bin/python -m bench.harness --persons 100000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from importlib.metadata import version
from pathlib import Path

from bench.floor import read_floor_seconds, write_floor_seconds
from bench.memory import TreeMemorySampler
from orchestration.lib.settings import PROJECT_ROOT, Paths

RESULTS_DIR = PROJECT_ROOT / "bench" / "results"
BENCHMARKS_MD = PROJECT_ROOT / "docs" / "benchmarks.md"
START = date(2026, 10, 1)
GIB = 1024**3


# The generator holds every person in memory (about 2.7 GB per million): larger sets are made of
# independent shards of at most this many persons, each with its own seed, their files side by side.
SHARD_PERSONS = 1_000_000


def generate_once(work: Path, persons: int, days: int, seed: int) -> Path:
    """Generated exports for days+1 days (the extra day is the one-new-day run), cached by parameters."""
    out = work / f"gen_p{persons}_d{days + 1}_s{seed}"
    if not (out / "landing").exists():
        from c360_tools.generate import generate

        shutil.rmtree(out, ignore_errors=True)
        started = time.perf_counter()
        shards = -(-persons // SHARD_PERSONS)
        if shards == 1:
            generate(out, persons=persons, days=days + 1, seed=seed, start_date=START, progress=True)
        else:
            for shard in range(shards):
                part = out / f"shard{shard:02d}"
                size = persons // shards + (persons % shards if shard == shards - 1 else 0)
                generate(part, persons=size, days=days + 1, seed=seed * 1000 + shard, start_date=START, progress=True)
                move_with_suffix(part / "landing", out / "landing", f"_s{shard:02d}")
                shutil.rmtree(part)
        print(f"generated in {time.perf_counter() - started:.1f}s")
    return out


def move_with_suffix(source: Path, target: Path, suffix: str) -> None:
    """Move every file, its name's stem suffixed: 2026-10-01.csv.gz -> 2026-10-01_s03.csv.gz."""
    for path in [p for p in source.rglob("*") if p.is_file()]:
        stem, _, extension = path.name.partition(".")
        destination = target / path.relative_to(source).with_name(f"{stem}{suffix}.{extension}")
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, destination)


def landing_up_to(source: Path, target: Path, last_day: date) -> None:
    """Hard-link the files dated up to ``last_day`` into ``target`` (no copy of a gigabyte)."""
    for path in source.rglob("*"):
        if path.is_file() and path.name[:10] <= last_day.isoformat():
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            if not destination.exists():
                os.link(path, destination)


def dbt_layer_windows(dbt_target: Path) -> dict[str, tuple[float, float, float]]:
    """Per dbt layer (staging, identity, marts, profiles) of the newest run_results: the wall-clock
    window its nodes ran in and the seconds they were busy (dbt runs two nodes at a time, so layers'
    windows overlap)."""
    results = sorted(dbt_target.rglob("run_results.json"), key=lambda p: p.stat().st_mtime)
    if not results:
        return {}
    windows: dict[str, tuple[float, float, float]] = {}
    for node in json.loads(results[-1].read_text())["results"]:
        unique_id = node["unique_id"]
        layer = _layer(unique_id)
        times = [t for t in node.get("timing", []) if t.get("started_at") and t.get("completed_at")]
        if not layer or not times:
            continue
        start = min(_epoch(t["started_at"]) for t in times)
        end = max(_epoch(t["completed_at"]) for t in times)
        old = windows.get(layer, (start, end, 0.0))
        windows[layer] = (min(old[0], start), max(old[1], end), old[2] + node["execution_time"])
    return windows


def _layer(unique_id: str) -> str | None:
    if not unique_id.startswith(("model.", "test.", "seed.")):
        return None
    name = unique_id.split(".")[-1] if unique_id.startswith("model.") else unique_id
    if "stg_" in name:
        return "staging"
    if "profile" in name or "audience" in name:
        return "profiles"
    if "identity" in name:
        return "identity"
    return "marts"


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def prepare_dbt_for(landing: Path, data: Path) -> None:
    """What `make run` does before `c360 run`: dbt's parse prepared for this warehouse, outside the timing."""
    from orchestration.dbt.project import ensure_manifest

    os.environ["C360_LANDING_DIR"], os.environ["C360_DATA_DIR"] = str(landing), str(data)
    ensure_manifest()


def run_stage_by_stage(landing: Path, data: Path) -> dict:
    from c360.runner import run_nightly

    with TreeMemorySampler() as sampler:
        started = time.time()
        result = run_nightly(Paths(landing_dir=landing, data_dir=data))
        finished = time.time()
    if not result.success:
        raise SystemExit(f"the nightly run failed: {result.failure}")
    windows = dict(result.step_windows)
    dbt_window = windows.pop("dbt_models", None)
    # a stage's steps need not run back to back (the ingest summary runs after dbt): add their durations
    named = {"ingest_exports": "ingest", "raw__ingest_summary": "ingest", "quality_gate": "quality gate",
             "landing_freshness": "quality gate", "publish__published_tables": "publish"}
    stage_steps: dict[str, list[tuple[float, float]]] = {}
    for step, window in windows.items():
        stage_steps.setdefault(named.get(step, step), []).append(window)
    stages = {
        name: {
            "seconds": sum(end - start for start, end in spans),
            "peak_rss_gib": max(sampler.peak_between(start, end) for start, end in spans) / GIB,
            "_start": min(start for start, _ in spans),
        }
        for name, spans in stage_steps.items()
    }
    layers = dbt_layer_windows(PROJECT_ROOT / "dbt_project" / "target")
    busy = sum(b for _, _, b in layers.values())
    if dbt_window and busy:
        # the dbt step's wall time shared out by each layer's busy seconds, so that the stages add up
        for name, (start, end, layer_busy) in layers.items():
            stages[name] = {
                "seconds": (dbt_window[1] - dbt_window[0]) * layer_busy / busy,
                "peak_rss_gib": sampler.peak_between(start, end) / GIB,
                "_start": start,
            }
    elif dbt_window:
        stages["dbt"] = {"seconds": dbt_window[1] - dbt_window[0],
                         "peak_rss_gib": sampler.peak_between(*dbt_window) / GIB, "_start": dbt_window[0]}
    ordered = sorted(stages.items(), key=lambda kv: kv[1].pop("_start"))
    return {"total_s": finished - started, "peak_rss_gib": sampler.peak / GIB, "stages": dict(ordered)}


def definitions_load_seconds() -> float:
    code = "import time; t = time.perf_counter(); import orchestration.definitions; print(time.perf_counter() - t)"
    best = min(float(subprocess.check_output([sys.executable, "-c", code], cwd=PROJECT_ROOT, text=True)) for _ in range(3))
    return best


def identity_alone_seconds(warehouse: Path) -> tuple[float, float]:
    """The identity models run again by dbt: (wall seconds with dbt's start-up, dbt's own elapsed time)."""
    from orchestration.dbt.project import dbt_executable

    env = {**os.environ, "C360_WAREHOUSE": str(warehouse)}
    dbt_dir = PROJECT_ROOT / "dbt_project"
    target = warehouse.parent / "dbt_identity_target"
    started = time.perf_counter()
    subprocess.run(
        [dbt_executable(), "run", "--quiet", "--select", "path:models/intermediate/identity", "--profiles-dir", str(dbt_dir),
         "--project-dir", str(dbt_dir), "--target-path", str(target)],
        check=True, env=env, cwd=dbt_dir,
    )
    wall = time.perf_counter() - started
    return wall, json.loads((target / "run_results.json").read_text())["elapsed_time"]


def machine() -> dict:
    memory_kib = int(next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")).split()[1])
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kib / 1024**2, 1),
        "python": platform.python_version(),
        **{name: version(name) for name in ("dagster", "dagster-dbt", "dbt-core", "dbt-duckdb", "duckdb", "polars", "great-expectations")},
    }


def append_markdown(report: dict) -> None:
    lines = []
    if not BENCHMARKS_MD.exists():
        lines += ["# Benchmarks", "", "Written by `make bench` (bench/harness.py); newest last.", ""]
    m = report["machine"]
    lines += [
        f"## {report['persons']:,} persons, {report['days']} days, seed {report['seed']}"
        f"{'' if report.get('engine', 'duckdb') == 'duckdb' else ', dbt on ' + report['engine']} — {report['when']}",
        "",
        f"Machine: {m['cores']} cores, {m['memory_gib']} GiB; dagster {m['dagster']}, dbt-core {m['dbt-core']}, "
        f"duckdb {m['duckdb']}, polars {m['polars']}, great-expectations {m['great-expectations']}.",
        f"Input: {report['input_files']} files, {report['input_mib']:.0f} MiB.",
        "",
        "dbt runs two models at a time: each dbt layer's seconds are its share of the dbt step's wall time "
        "(by its models' and tests' execution time), so that the stages add up to the run.",
        "",
        "| stage | seconds | peak RSS (GiB) |",
        "|---|---:|---:|",
    ]
    for name, stage in report["full_run"]["stages"].items():
        lines.append(f"| {name} | {stage['seconds']:.1f} | {stage['peak_rss_gib']:.2f} |")
    full = report["full_run"]
    lines += [f"| **whole nightly run** | **{full['total_s']:.1f}** | **{full['peak_rss_gib']:.2f}** |", ""]
    lines += _summary_lines(report) + [""]
    BENCHMARKS_MD.parent.mkdir(parents=True, exist_ok=True)
    with BENCHMARKS_MD.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def _summary_lines(report: dict) -> list[str]:
    if report.get("full_run_only"):
        return ["- Whole nightly run only (`--full-run-only`): no floor, identity-alone or one-new-day runs."]
    floor = report["floor"]
    lines = [
        f"- Floor (DuckDB alone: read every file once {floor['read_s']:.1f}s + write the published tables "
        f"once {floor['write_s']:.1f}s) = {floor['total_s']:.1f}s; run ÷ floor = "
        f"**{report['full_run']['total_s'] / floor['total_s']:.2f}**"
    ]
    if "one_new_day_s" not in report:
        return lines + [f"- dbt on {report['engine']}: the whole run and the floor only (no identity-alone or one-new-day runs)"]
    return lines + [
        f"- One new day after the full run: {report['one_new_day_s']:.1f}s ("
        + ", ".join(f"{step} {seconds:.1f}s" for step, seconds in report["one_new_day_steps"].items()) + ")",
        f"- Identity stage alone (dbt models under `intermediate/identity/`): {report['identity_alone_s']:.1f}s, "
        f"of which dbt's start-up and parse {report['identity_alone_s'] - report['identity_alone_dbt_elapsed_s']:.1f}s",
        f"- Loading the Dagster definitions: {report['definitions_load_s']:.2f}s",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.harness", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("C360_BENCH_DIR", "/tmp/c360-bench")))
    parser.add_argument("--no-markdown", action="store_true", help="do not append to docs/benchmarks.md")
    parser.add_argument("--full-run-only", action="store_true",
                        help="only the whole nightly run (no floor, identity-alone or one-new-day runs): for 10M")
    parser.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb",
                        help="spark: the whole nightly run with dbt on local Spark, and the floor (no identity-alone "
                        "or one-new-day runs)")
    args = parser.parse_args(argv)
    os.environ["C360_ENGINE"] = args.engine  # read by the settings of every step, and by the dbt parse prepared below

    args.work.mkdir(parents=True, exist_ok=True)
    generated = generate_once(args.work, args.persons, args.days, args.seed)
    run_dir = args.work / (f"run_p{args.persons}" if args.engine == "duckdb" else f"run_p{args.persons}_{args.engine}")
    shutil.rmtree(run_dir, ignore_errors=True)
    landing, data = run_dir / "landing", run_dir / "data"
    last_day = START + timedelta(days=args.days - 1)
    landing_up_to(generated / "landing", landing, last_day)
    files = [p for p in landing.rglob("*") if p.is_file()]

    prepare_dbt_for(landing, data)
    report = {
        "persons": args.persons,
        "engine": args.engine,
        "days": args.days,
        "seed": args.seed,
        "input_files": len(files),
        "input_mib": sum(p.stat().st_size for p in files) / 1024**2,
        "machine": machine(),
        "full_run": run_stage_by_stage(landing, data),
        "full_run_only": args.full_run_only,
    }
    if args.full_run_only:
        report["when"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        return write_report(report, markdown=not args.no_markdown)
    floor_read = read_floor_seconds(landing, run_dir)
    floor_write = write_floor_seconds(data / "published.duckdb", run_dir)
    report["floor"] = {"read_s": floor_read, "write_s": floor_write, "total_s": floor_read + floor_write}
    if args.engine != "duckdb":
        report["when"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        return write_report(report, markdown=not args.no_markdown)
    identity_wall, identity_dbt = identity_alone_seconds(data / "warehouse.duckdb")

    landing_up_to(generated / "landing", landing, last_day + timedelta(days=1))
    started = time.perf_counter()
    from c360.runner import run_nightly

    incremental = run_nightly(Paths(landing_dir=landing, data_dir=data))
    one_new_day = time.perf_counter() - started
    if not incremental.success:
        raise SystemExit(f"the one-new-day run failed: {incremental.failure}")

    report |= {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "one_new_day_s": one_new_day,
        "one_new_day_steps": {step: end - start for step, (start, end) in incremental.step_windows.items()},
        "identity_alone_s": identity_wall,
        "identity_alone_dbt_elapsed_s": identity_dbt,
        "definitions_load_s": definitions_load_seconds(),
    }
    return write_report(report, markdown=not args.no_markdown)


def write_report(report: dict, markdown: bool) -> int:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"bench_p{report['persons']}_{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps(report, indent=2))
    if markdown:
        append_markdown(report)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
