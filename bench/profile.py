"""Where the dbt step's time goes: the slowest nodes of a dbt run, and DuckDB's EXPLAIN ANALYZE of the
slowest models run again (read-only) on the warehouse that run built.

    .venv/bin/python -m bench.profile --warehouse /tmp/c360-bench/run_p1000000/data/warehouse.duckdb
    .venv/bin/python -m bench.profile --warehouse ... --explain 2 --out docs/profiles/
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import duckdb

from orchestration.lib.settings import DBT_PROJECT_DIR


def newest_run_results(target: Path) -> Path:
    found = sorted(target.rglob("run_results.json"), key=lambda p: p.stat().st_mtime)
    if not found:
        raise SystemExit(f"no run_results.json under {target}: run the nightly job first")
    return found[-1]


def slowest_nodes(run_results: Path, top: int) -> list[tuple[float, str, Path | None]]:
    """(seconds, unique_id, compiled SQL path) of the slowest nodes, slowest first."""
    results = json.loads(run_results.read_text())["results"]
    compiled_root = run_results.parent / "compiled"
    rows = []
    for node in results:
        unique_id = node["unique_id"]
        compiled = None
        if unique_id.startswith("model."):
            name = unique_id.split(".")[-1]
            compiled = next(compiled_root.rglob(f"{name}.sql"), None)
        rows.append((node["execution_time"], unique_id, compiled))
    return sorted(rows, key=lambda row: row[0], reverse=True)[:top]


def explain_analyze(warehouse: Path, sql: str) -> dict:
    """DuckDB's analysed plan as JSON (operators with their own time and rows)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute("set preserve_insertion_order = false")
        return json.loads(con.execute(f"explain (analyze, format json) {sql}").fetchall()[0][1])


def operators(plan: dict) -> list[tuple[float, int, str]]:
    """(seconds, rows, operator with its grouping/join detail) of every operator in the plan."""
    found = []
    stack = list(plan.get("operator") or plan.get("children") or [])
    while stack:
        node = stack.pop()
        info = node.get("extra_info") or {}
        detail = info.get("Groups") or info.get("Conditions") or info.get("Table") or info.get("Join Type") or ""
        if isinstance(detail, list):
            detail = ", ".join(detail)
        found.append((float(node.get("timing") or 0), int(node.get("intermediate_rows") or 0), f"{node.get('type')} {detail}".strip()))
        stack.extend(node.get("children") or [])
    return sorted(found, reverse=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.profile", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--target", type=Path, default=DBT_PROJECT_DIR / "target", help="where dbt wrote its runs")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--explain", type=int, default=1, help="EXPLAIN ANALYZE this many of the slowest models")
    parser.add_argument("--out", type=Path, help="write each full plan to OUT/<model>.txt")
    args = parser.parse_args(argv)

    run_results = newest_run_results(args.target)
    nodes = slowest_nodes(run_results, args.top)
    print(f"slowest dbt nodes in {run_results}:")
    for seconds, unique_id, _ in nodes:
        print(f"  {seconds:7.2f}s  {unique_id}")
    models = [(s, u, c) for s, u, c in nodes if c is not None][: args.explain]
    for _, unique_id, compiled in models:
        plan = explain_analyze(args.warehouse, compiled.read_text())
        heaviest = operators(plan)
        print(f"\nEXPLAIN ANALYZE {unique_id} (run again alone): {sum(s for s, _, _ in heaviest):.2f}s of operator time over all threads; heaviest:")
        for seconds, rows, operator in heaviest[:6]:
            print(f"  {seconds:6.2f}s  {rows:>10,} rows  {operator[:110]}")
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / f"{unique_id.split('.')[-1]}.json").write_text(json.dumps(plan, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
