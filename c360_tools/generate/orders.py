"""Orders of the app and the web shop, and what every channel's orders share.

Each order gets a lifecycle of timed events (created, paid, shipped, ...). The exports carry, per day,
the state after the day's last event; the truth is the state at the end of the window, priced by the
contract's business rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from . import spec, vocab
from .context import DAY, NEVER, Context
from .formats import iso_local
from .rand import chance, choose, int_str, unique_digit_ids, when
from .records import PHONE, PHONE_ERA_COLUMNS, Built, gather, idents_frame, person_columns, phone_at, xref_frame
from .sources import World

HOUR = 3600
APP_NORMALISED = {"created": "pending_payment", "paid": "paid", "shipped": "shipped", "completed": "completed",
                  "cancelled": "cancelled", "refunded": "refunded"}
WEB_NORMALISED = {"pending": "pending_payment", "paid": "paid", "fulfilled": "completed", "cancelled": "cancelled",
                  "refunded": "refunded", "partially_refunded": "partially_refunded"}
NEVER_PAID = ("pending_payment", "cancelled")


@dataclass
class OrderTruth:
    """Expected published orders (one row per order) and, for shops, the sharers' commission base."""

    orders: pl.DataFrame  # order_key, channel, order_id, pid, status, paid/refunded/net fen, sharer_openid, created_at
    commission: pl.DataFrame | None = None  # order_key, commission_fen (lines not refunded)


def uniform(rng: np.random.Generator, lo: float, hi: float, n: int) -> np.ndarray:
    return rng.integers(int(lo), int(hi), n).astype(np.int64)


def order_times(ctx: Context, rng: np.random.Generator, n: int, not_before: np.ndarray) -> np.ndarray:
    t = ctx.t0 + rng.integers(0, ctx.days * DAY, n)
    return np.minimum(np.maximum(t, not_before + 600), ctx.t_end - 60)


def order_count(ctx: Context, rng: np.random.Generator, channel: str) -> int:
    return int(rng.poisson(ctx.mix.people.orders_per_person_day[channel] * ctx.n_persons * ctx.days))


# --- emitting versions from events --------------------------------------------------------------------


def emit_versions(ctx: Context, rng: np.random.Generator, events: pl.DataFrame) -> pl.DataFrame:
    """Which events the exports carry: per record and day the last one, and for a few all of that day's."""
    ev = (events.filter(pl.col("_t") < ctx.t_end)
          .with_columns(ctx.day_expr("_t").alias("_day"))
          .sort("_rec", "_t", "_seq"))
    last = (pl.col("_rec") != pl.col("_rec").shift(-1)).fill_null(True) | (
        pl.col("_day") != pl.col("_day").shift(-1)).fill_null(True)
    ev = ev.with_columns(last.alias("_last"))
    several = pl.Series(chance(rng, ctx.mix.cells.p_several_versions_in_file, ev.height))
    ev = ev.with_columns((pl.col("_last") & several).alias("_several"))
    ev = ev.with_columns(pl.col("_several").max().over("_rec", "_day").alias("_several"))
    return ev.filter(pl.col("_last") | pl.col("_several")).drop("_last", "_several")


def event_frame(rec: np.ndarray, t: np.ndarray, status: str, seq: int) -> pl.DataFrame:
    keep = t != NEVER
    return pl.DataFrame({"_rec": rec[keep], "_t": t[keep], "_status": status, "_seq": seq},
                        schema={"_rec": pl.Int64, "_t": pl.Int64, "_status": pl.String, "_seq": pl.Int8})


def last_status(ctx: Context, events: pl.DataFrame) -> pl.DataFrame:
    """``_rec, _status``: each record's state at the end of the window."""
    return (events.filter(pl.col("_t") < ctx.t_end).sort("_rec", "_t", "_seq")
            .group_by("_rec", maintain_order=True).agg(pl.col("_status").last()))


def truth_frame(world: World, channel: str, truth: pl.DataFrame) -> pl.DataFrame:
    return truth.select(
        (pl.lit(f"{channel}:") + pl.col("order_id")).alias("order_key"), pl.lit(channel).alias("channel"), "order_id",
        pl.col("_pid").cast(pl.Int32).alias("pid"), "status", pl.col("paid_amount_fen").cast(pl.Int64),
        pl.col("refunded_amount_fen").cast(pl.Int64),
        (pl.col("paid_amount_fen") - pl.col("refunded_amount_fen")).cast(pl.Int64).alias("net_amount_fen"),
        (pl.col("_sharer") if "_sharer" in truth.columns else pl.lit(None, pl.String)).alias("sharer_openid"),
        iso_local(pl.col("create_time")).alias("created_at"),
    )


# --- app and web orders -----------------------------------------------------------------------------------


def _money(rng: np.random.Generator, n: int) -> np.ndarray:
    """Order totals in fen, mostly tens to hundreds of yuan, now and then over a thousand."""
    yuan = np.exp(rng.normal(5.3, 0.95, n))
    fen = np.round(yuan * 10).astype(np.int64) * 10 - rng.choice([0, 1, 10, 11, 0, 0], n)
    fen = np.clip(fen, 990, 2_500_000)
    if n and fen.max() < 100_000:  # a small data set still has a big-ticket order (1,299.00 and the like)
        fen[rng.integers(n)] = rng.integers(1000, 3000) * 100 + rng.choice([0, 90])
    return fen


def _simple_lifecycle(ctx, rng, created, p_paid, p_refund, p_partial=0.0) -> dict:
    n = len(created)
    paid = chance(rng, p_paid, n)
    pay = np.where(paid, created + uniform(rng, 60, 1800, n), NEVER)
    cancel = np.where(~paid, created + uniform(rng, 600, DAY, n), NEVER)
    ship = np.where(paid, pay + uniform(rng, 4 * HOUR, 72 * HOUR, n), NEVER)
    complete = np.where(paid, ship + uniform(rng, 3 * DAY, 10 * DAY, n), NEVER)
    kind = rng.random(n)
    refunds, partials = paid & (kind < p_refund), paid & (kind >= p_refund) & (kind < p_refund + p_partial)
    # a small data set still shows a refund of each kind
    early = np.flatnonzero(paid & (pay < ctx.t_end - 2 * HOUR) & ~refunds & ~partials)
    early = rng.permutation(early)
    if p_refund > 0 and not refunds[pay < ctx.t_end - 2 * HOUR].any() and len(early):
        refunds[early[0]] = True
    if p_partial > 0 and not partials[pay < ctx.t_end - 2 * HOUR].any() and len(early) > 1:
        partials[early[1]] = True
    latest = np.minimum(pay + 10 * DAY, ctx.t_end - HOUR)
    when_refunded = pay + HOUR + ((latest - pay - HOUR).clip(0) * rng.random(n)).astype(np.int64)
    refund = np.where(refunds, when_refunded, NEVER)
    partial = np.where(partials, when_refunded, NEVER)
    stop = np.minimum(refund, partial)
    ship = np.where(ship < stop, ship, NEVER)
    complete = np.where(complete < stop, complete, NEVER)
    return {"create": created, "pay": pay, "cancel": cancel, "ship": ship, "complete": complete, "refund": refund,
            "partial": partial}


def build_app_orders(ctx: Context, world: World) -> tuple[Built, OrderTruth]:
    rng = ctx.rng("app_orders")
    people = ctx.mix.people
    n = order_count(ctx, rng, "app")
    users = world.app_users
    if users.height == 0:
        n = 0
    pick_user = rng.integers(0, max(users.height, 1), n)
    created = order_times(ctx, rng, n, users["created"].to_numpy()[pick_user] if n else np.zeros(0, np.int64))
    devices = users["device_ids"].gather(pick_user).str.split(";")
    device = devices.list.get(0, null_on_oob=True)
    other = devices.list.get(-1, null_on_oob=True)
    order = pl.DataFrame({
        "_rec": np.arange(n), "_pid": users["pid"].gather(pick_user),
        "order_id": unique_digit_ids(rng, n, "2026", 16), "user_id": users["user_id"].gather(pick_user),
        "create_time": created, "total_yuan": _money(rng, n), "items": rng.integers(1, 6, n),
        "category": choose(rng, [c[0] for c in vocab.CATEGORIES], n),
        "coupon_code": when(chance(rng, 0.3, n), "APP" + int_str(rng.integers(1000, 10000, n))),
        "device_id": when(chance(rng, 0.85, n), when(chance(rng, 0.5, n), other, device)),
    })
    life = _simple_lifecycle(ctx, rng, created, people.p_app_paid, people.p_app_refunded)
    events = pl.concat([event_frame(np.arange(n), life[name], status, seq) for seq, (name, status) in enumerate(
        (("create", "created"), ("pay", "paid"), ("cancel", "cancelled"), ("ship", "shipped"),
         ("refund", "refunded"), ("complete", "completed")))])
    versions = emit_versions(ctx, rng, events)
    rows = gather(order, versions["_rec"]).with_columns(versions.select("_t", "_day", "_status"))
    built = rows.select(
        *[pl.col("_status").alias(c) if c == "status" else pl.col("_t").alias(c) if c == "update_time" else pl.col(c)
          for c in spec.APP_ORDERS.names], "_rec", "_pid", "_day", "_t", pl.col("order_id").alias("_key"))
    state = last_status(ctx, events).sort("_rec")
    truth = order.join(state, on="_rec", how="left", maintain_order="left").with_columns(
        pl.col("_status").replace_strict(APP_NORMALISED).alias("status"))
    truth = truth.with_columns(
        pl.when(pl.col("status").is_in(NEVER_PAID)).then(0).otherwise(pl.col("total_yuan")).alias("paid_amount_fen"))
    truth = truth.with_columns(
        pl.when(pl.col("status") == "refunded").then(pl.col("paid_amount_fen")).otherwise(0).alias("refunded_amount_fen"),
        pl.lit(None, pl.String).alias("_sharer"))
    return Built(spec.APP_ORDERS, built, [], []), OrderTruth(truth_frame(world, "app", truth))


def build_web_orders(ctx: Context, world: World) -> tuple[Built, OrderTruth]:
    rng = ctx.rng("web_orders")
    people = ctx.mix.people
    n = order_count(ctx, rng, "web")
    customers = world.web_customers
    guest = chance(rng, people.p_web_guest, n) | (customers.height == 0)
    pick_customer = rng.integers(0, max(customers.height, 1), n)
    guest_pid = rng.integers(0, ctx.n_persons, n)
    registered_pid = customers["pid"].to_numpy()[pick_customer] if customers.height else guest_pid
    pid = np.where(guest, guest_pid, registered_pid)
    not_before = np.where(guest, ctx.t0, customers["created"].to_numpy()[pick_customer] if customers.height else ctx.t0)
    created = order_times(ctx, rng, n, not_before)
    person = person_columns(world.persons, pl.Series(pid), ["email0"] + PHONE_ERA_COLUMNS).with_columns(
        pl.Series("_t", created, dtype=pl.Int64))
    own_phone = person.select(pl.coalesce(phone_at(pl.col("_t")), pl.col("phone0"))).to_series()
    guest_email = when(guest & chance(rng, 0.75, n), person["email0"])
    guest_email = pl.select(pl.coalesce(pl.lit(guest_email), pl.lit(when(
        guest & chance(rng, 0.05, n), choose(rng, vocab.EMAIL_PLACEHOLDERS, n))))).to_series()
    # a guest leaves a way to reach them: their own email, or else their number
    own_email = (guest_email == person["email0"]).fill_null(False).to_numpy()
    guest_phone = when(guest & (chance(rng, 0.6, n) | ~own_email), own_phone)
    total = _money(rng, n)
    order = pl.DataFrame({
        "_rec": np.arange(n), "_pid": pid.astype(np.int32), "order_id": unique_digit_ids(rng, n, "5", 13),
        "customer_id": when(~guest, customers["customer_id"].gather(pick_customer) if customers.height
                            else pl.Series([None] * n, dtype=pl.String)),
        "guest_email": guest_email, "guest_phone": guest_phone, "created_at": created, "total_yuan": total,
        "currency": when(chance(rng, 0.9, n), pl.Series(["CNY"] * n)), "items": rng.integers(1, 6, n),
        "category": choose(rng, [c[0] for c in vocab.CATEGORIES], n),
        "coupon_code": when(chance(rng, 0.25, n), "WEB" + int_str(rng.integers(100, 1000, n))),
        "_partial_refund": (total * rng.uniform(0.1, 0.7, n)).astype(np.int64) // 10 * 10,
        "_full_refund_shown": chance(rng, 0.6, n),
    })
    life = _simple_lifecycle(ctx, rng, created, people.p_web_paid, people.p_web_refunded,
                             people.p_web_partially_refunded)
    # web orders go from paid to fulfilled when they ship
    events = pl.concat([event_frame(np.arange(n), life[name], status, seq) for seq, (name, status) in enumerate(
        (("create", "pending"), ("pay", "paid"), ("cancel", "cancelled"), ("ship", "fulfilled"),
         ("refund", "refunded"), ("partial", "partially_refunded")))])
    versions = emit_versions(ctx, rng, events)
    rows = gather(order, versions["_rec"]).with_columns(versions.select("_t", "_day", "_status"))
    refunded_yuan = (pl.when(pl.col("_status") == "partially_refunded").then(pl.col("_partial_refund"))
                     .when((pl.col("_status") == "refunded") & pl.col("_full_refund_shown")).then(pl.col("total_yuan")))
    exprs = {"status": pl.col("_status"), "updated_at": pl.col("_t"), "refunded_yuan": refunded_yuan}
    built = rows.select(*[exprs.get(c, pl.col(c)).alias(c) for c in spec.WEB_ORDERS.names],
                        "_rec", "_pid", "_day", "_t", pl.col("order_id").alias("_key"))
    state = last_status(ctx, events).sort("_rec")
    truth = order.join(state, on="_rec", how="left", maintain_order="left").with_columns(
        pl.col("_status").replace_strict(WEB_NORMALISED).alias("status"))
    truth = truth.with_columns(
        pl.when(pl.col("status").is_in(NEVER_PAID)).then(0).otherwise(pl.col("total_yuan")).alias("paid_amount_fen"))
    truth = truth.with_columns(
        pl.when(pl.col("status") == "refunded").then(pl.col("paid_amount_fen"))
        .when(pl.col("status") == "partially_refunded").then(pl.col("_partial_refund"))
        .otherwise(0).alias("refunded_amount_fen"),
        pl.lit(None, pl.String).alias("_sharer"), pl.col("created_at").alias("create_time"))
    guests = order.filter(pl.col("customer_id").is_null())
    guest_rows = guests.with_columns(person_columns(world.persons, guests["_pid"], ["phone0", "phone1", "phone2",
                                                                                      "email0", "email1"]))
    email_own = (pl.col("guest_email") == pl.col("email0")).fill_null(False) | (
        pl.col("guest_email") == pl.col("email1")).fill_null(False)
    idents = [
        idents_frame("web.guests", guest_rows, "order_id", PHONE, pl.col("guest_phone"),
                     is_own_number(pl.col("guest_phone"))),
        idents_frame("web.guests", guest_rows, "order_id", "email", pl.col("guest_email"), email_own),
    ]
    xref = [xref_frame("web.guests", guests["order_id"], guests["_pid"])]
    return Built(spec.WEB_ORDERS, built, xref, idents), OrderTruth(truth_frame(world, "web", truth))


def is_own_number(number: pl.Expr) -> pl.Expr:
    """Whether a number is one of the person's own (needs the phone0..2 columns)."""
    return (number == pl.col("phone0")).fill_null(False) | (number == pl.col("phone1")).fill_null(False) | (
        number == pl.col("phone2")).fill_null(False)
