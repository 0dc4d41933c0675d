"""``c360``: the platform from the command line (what the nightly schedule runs, and more)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from .settings import paths

DEFAULT_SAMPLE = {"persons": 3000, "days": 14, "seed": 7}


def _generate(args: argparse.Namespace) -> int:
    from .generate import generate

    start = date.fromisoformat(args.start) if args.start else None
    summary = generate(Path(args.out), persons=args.persons, days=args.days, seed=args.seed, start_date=start, progress=not args.quiet)
    print(f"wrote {summary.files} files, {summary.rows} rows to {summary.landing_dir} (truth in {summary.truth_dir})")
    return 0


def _landing_is_empty(landing_dir: Path) -> bool:
    return not landing_dir.exists() or not any(p.is_file() for p in landing_dir.rglob("*"))


def _generate_sample_landing(landing_dir: Path) -> None:
    """Fill an empty landing folder with generated exports, so a fresh checkout has something to run on."""
    import shutil
    import tempfile

    from .generate import generate

    print(f"{landing_dir} is empty: generating sample exports ({DEFAULT_SAMPLE['persons']} persons, {DEFAULT_SAMPLE['days']} days)")
    with tempfile.TemporaryDirectory() as tmp:
        summary = generate(Path(tmp), progress=True, **DEFAULT_SAMPLE)
        landing_dir.mkdir(parents=True, exist_ok=True)
        shutil.copytree(summary.landing_dir, landing_dir, dirs_exist_ok=True)
        truth_dir = landing_dir.parent / "sample_truth"
        shutil.copytree(summary.truth_dir, truth_dir, dirs_exist_ok=True)


def _run(args: argparse.Namespace) -> int:
    from .pipeline_run import run_nightly

    where = paths()
    if _landing_is_empty(where.landing_dir):
        _generate_sample_landing(where.landing_dir)
    result = run_nightly(where, full_refresh=args.full_refresh)
    print(result.summary())
    return 0 if result.success else 1


def _prepare(args: argparse.Namespace) -> int:
    from .dbt.project import prepare_manifest

    prepare_manifest()
    print("dbt manifest prepared: dbt_project/target/manifest.json")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from .evaluate import evaluate

    warehouse = Path(args.warehouse) if args.warehouse else paths().warehouse
    if not warehouse.exists():
        print(f"c360 evaluate: no warehouse at {warehouse}; run `c360 run` first", file=sys.stderr)
        return 2
    report = evaluate(warehouse, Path(args.truth))
    print(json.dumps(report.to_dict(), indent=2) if args.json else report.format())
    if args.min_precision is not None and report.precision < args.min_precision:
        return 1
    if args.min_linkable is not None and report.linkable_recall < args.min_linkable:
        return 1
    return 0


def _explain(args: argparse.Namespace) -> int:
    import duckdb

    from .identity.explain import explain
    from .identity.overrides import OverrideError

    warehouse = paths().warehouse
    if not warehouse.exists():
        print(f"c360 explain: no warehouse at {warehouse}; run `c360 run` first", file=sys.stderr)
        return 2
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            print("\n".join(explain(con, args.target)))
    except OverrideError as exc:
        print(f"c360 explain: {exc}", file=sys.stderr)
        return 2
    return 0


def _rollback(args: argparse.Namespace) -> int:
    from .publish.swap import PublishLayout, rollback

    where = paths()
    layout = PublishLayout(where.data_dir)
    current = layout.current_version()
    try:
        restored = rollback(where.data_dir)
    except RuntimeError as exc:
        print(f"c360 rollback: {exc}", file=sys.stderr)
        return 1
    print(f"published version {restored} again (was {current}): {layout.published}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="c360", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    gen = commands.add_parser("generate", help="write a labelled landing folder of sample exports")
    gen.add_argument("--persons", type=int, default=DEFAULT_SAMPLE["persons"])
    gen.add_argument("--days", type=int, default=DEFAULT_SAMPLE["days"])
    gen.add_argument("--seed", type=int, default=DEFAULT_SAMPLE["seed"])
    gen.add_argument("--start", help="first business day, YYYY-MM-DD (default 2026-10-01)")
    gen.add_argument("--out", required=True, help="folder to write landing/ and truth/ into")
    gen.add_argument("--quiet", action="store_true", help="no progress bar")
    gen.set_defaults(handler=_generate)

    run = commands.add_parser(
        "run",
        help="run the nightly job in process (landing: $C360_LANDING_DIR, data: $C360_DATA_DIR)",
    )
    run.add_argument("--full-refresh", action="store_true",
                     help="rebuild the incremental dbt models (staging) from every raw row, e.g. after changing one")
    run.set_defaults(handler=_run)

    ev = commands.add_parser("evaluate", help="compare the built tables with a labelled truth/ folder")
    ev.add_argument("--truth", required=True, help="a truth/ folder (c360 generate's, or ../shared/samples/truth)")
    ev.add_argument("--warehouse", help="the warehouse to read (default: $C360_DATA_DIR/warehouse.duckdb)")
    ev.add_argument("--json", action="store_true", help="the figures as JSON")
    ev.add_argument("--min-precision", type=float, help="exit 1 when pairwise precision is below this")
    ev.add_argument("--min-linkable", type=float, help="exit 1 when the share of linkable pairs joined is below this")
    ev.set_defaults(handler=_evaluate)

    why = commands.add_parser("explain", help="how a customer's records are joined, or why two records are (not) one")
    why.add_argument("target", nargs="+", metavar="CUSTOMER_ID | SOURCE:KEY",
                     help="a customer id, a record (e.g. crm.members:M1001), or two records")
    why.set_defaults(handler=_explain)

    back = commands.add_parser("rollback", help="publish the previous published version again")
    back.set_defaults(handler=_rollback)

    prepare = commands.add_parser("prepare", help="build the dbt manifest ahead of loading the Dagster definitions")
    prepare.set_defaults(handler=_prepare)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
