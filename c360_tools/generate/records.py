"""Shared machinery for records that change over time: creation times, exported versions, phones.

A record's *versions* are the rows that the exports carry for it: the first export (the day-one snapshot
for records older than the window, the creation day otherwise), one row per later day the record changed
(the state at the end of that day), now and then an earlier version of the same day, and now and then an
unchanged record exported again on a later day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from . import vocab
from .context import DAY, NEVER, Context
from .rand import DIGITS, chance, choose, pick_str, tokens
from .spec import Entity

# identifier types that link records of one person (see truth.linkable_groups)
PHONE, EMAIL, UNIONID, MP_OPENID = "phone", "email", "unionid", "mp_openid"


@dataclass
class Built:
    """One export entity's rows, plus the source records and identifiers it contributes to the truth."""

    entity: Entity
    versions: pl.DataFrame  # the entity's canonical columns (typed) and _rec, _pid, _day, _t, _key
    xref: list[pl.DataFrame]  # source, source_key, pid
    idents: list[pl.DataFrame]  # source, source_key, pid, id_type, id_value (the person's own ids only)


def created_times(ctx: Context, rng: np.random.Generator, n: int, not_before: np.ndarray | None = None) -> np.ndarray:
    """When records came to exist: mostly in the years before the window, a few inside it."""
    new = chance(rng, min(0.5, ctx.mix.people.new_per_day * ctx.days), n)
    lo = np.full(n, ctx.t_history, dtype=np.int64) if not_before is None else np.maximum(not_before, ctx.t_history)
    lo = np.minimum(lo, ctx.t0 - DAY)
    past = lo + ((ctx.t0 - lo) * np.sqrt(rng.random(n))).astype(np.int64)
    fresh = np.maximum(lo, ctx.t0) + rng.integers(0, ctx.days * DAY, n)
    return np.where(new, np.minimum(fresh, ctx.t_end - 1), past)


def version_times(ctx: Context, rng: np.random.Generator, created: np.ndarray, p_update: float,
                  events: tuple[np.ndarray, np.ndarray] | None = None) -> pl.DataFrame:
    """``_rec, _t, _day``: one row per exported version, sorted by day, time, record.

    ``events`` are (record, time) changes that must show: inside the window they add a version, before
    it the first export is taken after them.
    """
    n = len(created)
    t0, days = ctx.t0, ctx.days
    first = np.where(created < t0, created + ((t0 + DAY - created) * rng.random(n)).astype(np.int64), created)
    ev_rec = np.zeros(0, np.int64) if events is None else events[0].astype(np.int64)
    ev_t = np.zeros(0, np.int64) if events is None else events[1].astype(np.int64)
    early = ev_t < t0
    np.maximum.at(first, ev_rec[early], np.minimum(ev_t[early] + 1, t0 + DAY - 1))
    first_day = ctx.day_of(first)
    remaining = (days - 1 - first_day).astype(np.int64)
    count = rng.binomial(remaining, p_update)
    rec_u = np.repeat(np.arange(n), count)
    day_u = np.repeat(first_day, count) + 1 + (rng.random(len(rec_u)) * np.repeat(remaining, count)).astype(np.int64)
    t_u = t0 + day_u * DAY + rng.integers(0, DAY, len(rec_u))
    late = ~early & (ev_t < ctx.t_end)
    frame = pl.DataFrame({
        "_rec": np.concatenate([np.arange(n), rec_u, ev_rec[late]]),
        "_t": np.concatenate([first, t_u, ev_t[late]]),
    }).with_columns(ctx.day_expr("_t").alias("_day"))
    # a file carries a record's state at the end of its day
    frame = frame.group_by("_rec", "_day").agg(pl.col("_t").max()).sort("_rec", "_day")
    frame = pl.concat([frame, _same_day_versions(ctx, rng, frame), _stale_reexports(ctx, rng, frame, created)],
                      how="vertical_relaxed")
    return frame.sort("_day", "_t", "_rec")


def _same_day_versions(ctx: Context, rng: np.random.Generator, frame: pl.DataFrame) -> pl.DataFrame:
    """An earlier version of the same day, for a few records that changed twice that day."""
    updates = frame.filter(pl.col("_day") > 0)
    picked = updates.filter(pl.Series(chance(rng, ctx.mix.people.p_same_day_versions, updates.height)))
    since_midnight = picked["_t"] - (ctx.t0 + picked["_day"].cast(pl.Int64) * DAY)
    back = (since_midnight.to_numpy() * rng.uniform(0.2, 0.9, picked.height)).astype(np.int64)
    return picked.with_columns(pl.col("_t") - pl.Series(back)).filter(pl.Series(back > 60))


def _stale_reexports(ctx: Context, rng: np.random.Generator, frame: pl.DataFrame, created: np.ndarray) -> pl.DataFrame:
    """Records exported once on day one and never changed, exported again unchanged on a later day."""
    if ctx.days < 2:
        return frame.clear()
    counts = frame.group_by("_rec").agg(pl.len().alias("n"), pl.col("_t").first(), pl.col("_day").first())
    quiet = counts.filter((pl.col("n") == 1) & (pl.col("_day") == 0)).sort("_rec")
    quiet = quiet.filter(pl.Series(created[quiet["_rec"].to_numpy()] < ctx.t0))
    wanted = int(ctx.mix.people.p_stale_reexport * frame.filter(pl.col("_day") > 0).height)
    if wanted == 0 or quiet.height == 0:
        return frame.clear()
    chosen = quiet.sample(n=min(wanted, quiet.height), seed=int(rng.integers(1 << 31)))
    return chosen.select("_rec", pl.Series("_day", rng.integers(1, ctx.days, chosen.height), dtype=pl.Int32), "_t")


def gather(frame: pl.DataFrame, idx: np.ndarray | pl.Series) -> pl.DataFrame:
    return frame.select(pl.all().gather(pl.Series(idx)))


def person_columns(persons: pl.DataFrame, pid: pl.Series, columns: list[str]) -> pl.DataFrame:
    """The persons' ``columns`` for each ``pid`` (persons are indexed by pid)."""
    return persons.select(pl.col(columns).gather(pid))


PHONE_ERA_COLUMNS = ["phone0", "phone1", "phone2", "since0", "since1", "since2"]


def phone_at(t: pl.Expr) -> pl.Expr:
    """The person's number at time ``t`` (needs the PHONE_ERA_COLUMNS); null before their first era."""
    return (pl.when(t >= pl.col("since2")).then(pl.col("phone2"))
            .when(t >= pl.col("since1")).then(pl.col("phone1"))
            .when(t >= pl.col("since0")).then(pl.col("phone0")))


def masked(phone: pl.Expr) -> pl.Expr:
    return phone.str.slice(0, 3) + "****" + phone.str.slice(7, 4)


def landlines(rng: np.random.Generator, n: int) -> pl.Series:
    """Fixed-line numbers as typed: ``0571-8888 6666``, ``010 5688 8766``, ``05713297 2587``."""
    digits = tokens(rng, n, 8, DIGITS)
    return (choose(rng, vocab.AREA_CODES, n) + choose(rng, ("-", " ", ""), n) + digits.str.slice(0, 4)
            + choose(rng, (" ", " ", ""), n) + digits.str.slice(4, 4))


def phone_alternatives(rng: np.random.Generator, n: int, store_phone: pl.Series | None = None) -> pl.DataFrame:
    """Per record: its kind of phone value and the text used when it is not the person's own number."""
    return pl.DataFrame({
        "_placeholder": choose(rng, vocab.PHONE_PLACEHOLDERS, n),
        "_junk": choose(rng, vocab.PHONE_JUNK, n),
        "_landline": landlines(rng, n),
        "_store_phone": store_phone if store_phone is not None else pl.Series([None] * n, dtype=pl.String),
    })


def phone_value(t: pl.Expr) -> pl.Expr:
    """The phone cell for a record with a ``_phone_kind`` (and its alternatives) at time ``t``."""
    kind = pl.col("_phone_kind")
    return (pl.when(kind == "own").then(phone_at(t))
            .when(kind == "masked").then(masked(phone_at(t)))
            .when(kind == "placeholder").then(pl.col("_placeholder"))
            .when(kind == "junk").then(pl.col("_junk"))
            .when(kind == "landline").then(pl.col("_landline"))
            .when(kind == "store").then(pl.col("_store_phone")))


def phone_kinds(rng: np.random.Generator, weights: dict, n: int) -> pl.Series:
    return pick_str(rng, weights, n).alias("_phone_kind")


def shown_from(ctx: Context, rng: np.random.Generator, has_value: np.ndarray, p_shown: float,
               created: np.ndarray) -> np.ndarray:
    """From when a record shows a value it can carry (e.g. a unionid): never (max int64), from
    creation, or, for a few, from a later binding that may fall inside the window."""
    n = len(created)
    shown = has_value & chance(rng, p_shown, n)
    later = chance(rng, ctx.mix.people.p_unionid_bound_later, n)
    bound = created + ((ctx.t_end - created) * rng.random(n)).astype(np.int64)
    return np.where(shown, np.where(later, bound, created), NEVER)


def latest_versions(versions: pl.DataFrame) -> pl.DataFrame:
    """Each record's version that a correct reader keeps under the contract's delta rule: the latest
    update time (``_t``), ties broken by the later file day (``_day``). One row per ``_key``.

    A record's versions never tie on both (the writer keeps a record's versions of one day in one file,
    ordered by ``_t``), so the later-row tie-break never decides here.
    """
    return versions.sort("_key", "_t", "_day").unique(subset="_key", keep="last", maintain_order=True)


def idents_frame(source: str, rows: pl.DataFrame, key: str, id_type: str, value: pl.Expr,
                 own: pl.Expr | None = None) -> pl.DataFrame:
    """The person's own identifiers a source record shows, from ``rows`` as a reader sees them.

    ``rows`` are an entity's versions reduced by :func:`latest_versions` (an identifier that only an
    earlier version showed is superseded: the platform never sees it, so it links nothing in the truth),
    or a frame of values that every version repeats unchanged (order-level fields, one row per order).
    """
    if "_key" in rows.columns and rows["_key"].is_duplicated().any():
        raise ValueError(f"{source}: identifiers must come from each record's latest version (latest_versions)")
    frame = rows.select(
        pl.lit(source).alias("source"), pl.col(key).alias("source_key"), pl.col("_pid").alias("pid"),
        pl.lit(id_type).alias("id_type"), value.alias("id_value"),
        (own if own is not None else pl.lit(True)).alias("_own"),
    )
    return frame.filter(pl.col("_own") & pl.col("id_value").is_not_null()).drop("_own").unique(maintain_order=True)


def xref_frame(source: str, keys: pl.Series, pids: pl.Series) -> pl.DataFrame:
    return pl.DataFrame({"source": source, "source_key": keys, "pid": pids.cast(pl.Int32)})
