"""Messages the merchant sent, from every outbound tool, to every kind of recipient."""

from __future__ import annotations

import numpy as np
import polars as pl

from . import spec
from .context import DAY, Context
from .rand import chance, int_str, pick_index, pick_str, unique_digit_ids, when
from .records import PHONE_ERA_COLUMNS, Built, gather, person_columns, phone_at
from .sources import World, phone_as_typed

# (channel, recipient_type): weight
ROUTES = {
    ("app_push", "app_user_id"): 13, ("oa_article", "oa_openid"): 9, ("oa_template", "oa_openid"): 22,
    ("sms", "member_id"): 12, ("sms", "phone"): 20, ("wecom_group", "external_userid"): 4,
    ("wecom_private", "external_userid"): 20,
}


def _recipients(ctx: Context, world: World, rng: np.random.Generator, kind: str, n: int,
                sent: np.ndarray) -> pl.Series:
    if kind == "phone":
        person = person_columns(world.persons, pl.Series(rng.integers(0, ctx.n_persons, n)), PHONE_ERA_COLUMNS)
        number = person.with_columns(pl.Series("_t", sent)).select(
            pl.coalesce(phone_at(pl.col("_t")), pl.col("phone0"))).to_series()
        return when(chance(rng, 0.15, n), phone_as_typed(ctx, rng, number), number)
    table, column = {
        "member_id": (world.crm_members, "member_id"), "external_userid": (world.wecom_contacts, "external_userid"),
        "oa_openid": (world.oa_followers, "openid"), "app_user_id": (world.app_users, "user_id"),
    }[kind]
    return table[column].gather(rng.integers(0, table.height, n))


def build_touchpoints(ctx: Context, world: World) -> Built:
    rng = ctx.rng("touchpoints")
    n = int(rng.poisson(ctx.mix.people.messages_per_person_day * ctx.n_persons * ctx.days))
    tables = {"member_id": world.crm_members, "external_userid": world.wecom_contacts,
              "oa_openid": world.oa_followers, "app_user_id": world.app_users}
    routes = {r: w for r, w in ROUTES.items() if r[1] == "phone" or tables[r[1]].height > 0}
    route = pick_index(rng, routes, n)
    keys = list(routes)
    sent = ctx.t0 + rng.integers(0, ctx.days * DAY, n)
    recipient = pl.Series("recipient_id", [None] * n, dtype=pl.String)
    for i, (_, kind) in enumerate(keys):
        rows = np.flatnonzero(route == i)
        if len(rows):
            recipient = recipient.scatter(rows, _recipients(ctx, world, rng, kind, len(rows), sent[rows]))
    status = pick_str(rng, {"sent": 30, "delivered": 60, "failed": 10}, n)
    opened = (status == "delivered").to_numpy() & chance(rng, 0.4, n)
    opened_at = sent + rng.integers(60, 30 * 3600, n)
    clicked = opened & chance(rng, 0.4, n)
    frame = pl.DataFrame({
        "message_id": "M" + unique_digit_ids(rng, n, "", 12),
        "channel": pl.Series([keys[r][0] for r in range(len(keys))]).gather(route),
        "recipient_type": pl.Series([keys[r][1] for r in range(len(keys))]).gather(route),
        "recipient_id": recipient,
        "campaign_id": when(chance(rng, 0.8, n), "CMP1" + int_str(rng.integers(0, 100, n)).str.zfill(2)),
        "sent_at": sent, "status": status,
        "opened_at": when(opened, pl.Series(opened_at)),
        "clicked_at": when(clicked, pl.Series(opened_at + rng.integers(10, 7200, n))),
    })
    versions = frame.with_columns(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("_rec"), pl.lit(-1, pl.Int32).alias("_pid"),
        ctx.day_expr("sent_at").alias("_day"), pl.col("sent_at").alias("_t"), pl.col("message_id").alias("_key"))
    return Built(spec.TOUCHPOINTS, gather(versions, np.argsort(sent, kind="stable")), [], [])
