"""Sample-export generator: messy channel exports that follow the data contract, with their truth.

``generate(out)`` writes ``out/landing/<channel>/<entity>/<YYYY-MM-DD>[suffix].<ext>`` (every quirk the
contract names: formats, encodings, headers, value forms, bad rows, resends, split days) and
``out/truth/{persons,xref,orders,sharers,bad_rows}.csv`` (who is who, the expected published figures and
every row a load must reject). Same arguments, same bytes.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tqdm import tqdm

from .context import Context
from .mix import DEFAULT_MIX, Mix
from .orders import build_app_orders, build_web_orders
from .persons import build_persons
from .rand import Streams
from .shop import build_shop
from .sources import (
    build_app_users,
    build_crm_members,
    build_mp_users,
    build_oa_followers,
    build_sharers,
    build_web_customers,
    build_wecom_contacts,
    make_world,
)
from .spec import ENTITIES
from .touchpoints import build_touchpoints
from .truth import orders_table, persons_table, sharers_table, write_truth, xref_table
from .writer import LandingWriter, bad_rows_frame

DEFAULT_START = date(2026, 10, 1)
__all__ = ["generate", "GenerateSummary", "DEFAULT_START"]


@dataclass(frozen=True)
class GenerateSummary:
    landing_dir: Path
    truth_dir: Path
    files: int  # landing files written
    rows: int  # data records in them, bad rows included
    bad_rows: int  # entries of truth/bad_rows.csv
    persons: int
    days: int


def generate(out: Path, persons: int = 3000, days: int = 14, seed: int = 7, start_date: date | None = None,
             progress: bool = False) -> GenerateSummary:
    """Write a labelled set of exports for ``persons`` persons over ``days`` days from ``start_date``.

    ``out/landing`` and ``out/truth`` are replaced. Deterministic: the wall clock is never read.
    """
    return generate_with_mix(out, persons, days, seed, start_date, progress, DEFAULT_MIX)


def generate_with_mix(out: Path, persons: int, days: int, seed: int, start_date: date | None, progress: bool,
                      mix: Mix) -> GenerateSummary:
    """:func:`generate` with a different mix of rates."""
    if persons < 10 or days < 1:
        raise ValueError("need at least 10 persons and 1 day")
    out = Path(out)
    landing, truth_dir = out / "landing", out / "truth"
    for folder in (landing, truth_dir):
        if folder.exists():
            shutil.rmtree(folder)
    landing.mkdir(parents=True)
    ctx = Context(Streams(seed), mix, start_date or DEFAULT_START, days, persons)
    steps = tqdm(total=len(ENTITIES) + 2, desc="generate", unit="step", file=sys.stderr, disable=not progress)

    steps.set_postfix_str("persons")
    people, spare = build_persons(ctx)
    world = make_world(ctx, people, spare)
    steps.update()
    writer = LandingWriter(ctx, landing, _manual_exports(ctx))
    built, order_truths = [], []

    def emit(item):
        steps.set_postfix_str(item.entity.folder)
        writer.write_entity(item)
        built.append(item)
        item.versions = item.versions.clear()  # the rows are on disk; keep only what the truth needs
        steps.update()

    for build in (build_mp_users, build_sharers, build_oa_followers, build_wecom_contacts, build_app_users,
                  build_web_customers, build_crm_members):
        emit(build(ctx, world))
    for channel in ("miniprogram", "channels"):
        shop = build_shop(ctx, world, channel)
        emit(shop.orders)
        emit(shop.aftersales)
        order_truths.append(shop.truth)
    for build in (build_app_orders, build_web_orders):
        orders_built, truth = build(ctx, world)
        emit(orders_built)
        order_truths.append(truth)
    emit(build_touchpoints(ctx, world))

    steps.set_postfix_str("truth")
    orders = orders_table(world, order_truths)
    bad_rows = bad_rows_frame(writer.reports)
    write_truth(truth_dir, {
        "persons": persons_table(world), "xref": xref_table(world, built), "orders": orders,
        "sharers": sharers_table(world, orders, order_truths), "bad_rows": bad_rows,
    })
    steps.update()
    steps.close()
    return GenerateSummary(landing_dir=landing, truth_dir=truth_dir, files=len(writer.reports),
                           rows=sum(r.rows for r in writer.reports), bad_rows=bad_rows.height, persons=persons,
                           days=days)


def _manual_exports(ctx: Context) -> dict[str, int]:
    """Which entities get a console export that lacks a required column, and for which day."""
    rng = ctx.rng("manual_exports")
    candidates = [e.folder for e in ENTITIES if e.name not in ("aftersales", "sharers")]
    expected_files = len(ENTITIES) * ctx.days
    count = max(1, round(expected_files / ctx.mix.files.files_per_manual_export))
    chosen = rng.choice(len(candidates), size=min(count, len(candidates)), replace=False)
    return {candidates[i]: int(rng.integers(1, ctx.days)) if ctx.days > 1 else 0 for i in sorted(chosen)}
