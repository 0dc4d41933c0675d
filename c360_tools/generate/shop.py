"""Orders of the two WeChat shops (mini program and Channels) and their after-sales.

An order has lines; order-level fields repeat on every line. Its lifecycle runs created (10), paid (20),
partly shipped (21), shipped (30), completed (100), or cancelled unpaid (250), cancelled as oversold (190),
or cancelled after a whole-order refund before shipping (200). After-sales follow paths of statuses; only
MERCHANT_REFUND_SUCCESS and MERCHANT_RETURN_SUCCESS give money back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from . import spec, vocab
from .context import DAY, NEVER, Context
from .orders import (
    HOUR,
    NEVER_PAID,
    OrderTruth,
    emit_versions,
    event_frame,
    is_own_number,
    last_status,
    order_count,
    order_times,
    truth_frame,
    uniform,
)
from .rand import DIGITS, chance, choose, int_str, pick, pick_str, take, tokens, unique_digit_ids, when
from .records import (
    MP_OPENID,
    PHONE,
    PHONE_ERA_COLUMNS,
    UNIONID,
    Built,
    gather,
    idents_frame,
    person_columns,
    phone_at,
    xref_frame,
)
from .sources import World

MIN_AFTERSALES = 3
SHOP_NORMALISED = {"10": "pending_payment", "20": "paid", "21": "shipped", "30": "shipped", "100": "completed",
                   "190": "cancelled", "250": "cancelled", "200": "refunded"}
REFUND_SUCCESS = ("MERCHANT_REFUND_SUCCESS", "MERCHANT_RETURN_SUCCESS")

# after-sale paths: (type, weight, [(status, step)]); a step is one wait of hours to days after the last
AFTERSALE_PATHS = (
    ("REFUND", 30, (("MERCHANT_PROCESSING", 0), ("MERCHANT_REFUND_SUCCESS", 1))),
    ("REFUND", 8, (("MERCHANT_PROCESSING", 0), ("PLATFORM_REFUNDING", 1), ("MERCHANT_REFUND_SUCCESS", 2))),
    ("REFUND", 6, (("MERCHANT_PROCESSING", 0), ("MERCHANT_REJECT_REFUND", 1))),
    ("REFUND", 6, (("MERCHANT_PROCESSING", 0), ("USER_CANCELD", 1))),
    ("REFUND", 3, (("MERCHANT_PROCESSING", 0), ("MERCHANT_OVERDUE_REFUND", 1), ("PLATFORM_REFUNDING", 2))),
    ("REFUND", 2, (("MERCHANT_PROCESSING", 0), ("PLATFORM_REFUNDING", 1), ("PLATFORM_REFUND_FAIL", 2))),
    ("REFUND", 2, (("MERCHANT_PROCESSING", 0), ("MERCHANT_REFUND_RETRY_FAIL", 1))),
    ("REFUND", 2, (("MERCHANT_PROCESSING", 0), ("MERCHANT_FAIL", 1))),
    ("RETURN", 18, (("USER_WAIT_RETURN", 0), ("MERCHANT_WAIT_RECEIPT", 1), ("MERCHANT_RETURN_SUCCESS", 2))),
    ("RETURN", 5, (("MERCHANT_PROCESSING", 0), ("MERCHANT_REJECT_RETURN", 1))),
    ("RETURN", 5, (("USER_WAIT_RETURN", 0), ("USER_CANCELD", 1))),
    ("RETURN", 4, (("USER_WAIT_RETURN", 0), ("RETURN_CLOSED", 1))),
    ("RETURN", 3, (("MERCHANT_PROCESSING", 0), ("USER_WAIT_CONFIRM", 1))),
    ("RETURN", 6, (("USER_WAIT_RETURN", 0), ("MERCHANT_WAIT_RECEIPT", 1))),
)



# --- products, receivers, addresses -----------------------------------------------------------------


def products(ctx: Context) -> pl.DataFrame:
    rng = ctx.rng("products")
    n = vocab.N_PRODUCTS
    category = rng.integers(0, len(vocab.CATEGORIES), n)
    price = (np.round(np.exp(rng.normal(8.2, 0.8, n)) / 10) * 10 - rng.choice([0, 1, 10, 11], n)).astype(np.int64)
    return pl.DataFrame({
        "product_id": "P" + int_str(100000 + np.arange(n)),
        "category": take([c[0] for c in vocab.CATEGORIES], category),
        "product_title": take([c[1] for c in vocab.CATEGORIES], category) + choose(rng, vocab.ITEMS, n)
        + choose(rng, vocab.TITLE_SUFFIXES, n),
        "unit_price_fen": np.clip(price, 199, 99_900),
    })


def _address_variants(world: World, address: pl.Series) -> pl.Series:
    """Addresses as typed: sometimes with a comma, quotes or a line break after the street number."""
    street, rest = address.str.extract(r"^(.*?号)", 1), address.str.replace(r"^.*?号", "")
    estate, after = rest.str.extract(r"^(\D+)", 1), rest.str.replace(r"^\D+", "")
    form = pl.lit(pl.Series(world.address_forms.draw_indices(len(address))))
    forms = world.address_forms.options
    return pl.select(
        pl.when(form == forms.index("comma")).then(pl.lit(street) + ", " + pl.lit(rest))
        .when(form == forms.index("quote")).then(pl.lit(street) + '"' + pl.lit(estate) + '"' + pl.lit(after))
        .when(form == forms.index("newline")).then(pl.lit(street) + "\n" + pl.lit(rest))
        .otherwise(pl.lit(address))
    ).to_series()


def _receivers(ctx: Context, world: World, rng: np.random.Generator, buyer: np.ndarray, t: np.ndarray,
               masked_share: float) -> pl.DataFrame:
    """Who receives each parcel: the buyer, or for gifts and proxy orders another person."""
    people = ctx.mix.people
    n = len(buyer)
    kind = pick(rng, people.receiver_kinds, n)
    other = rng.integers(0, ctx.n_persons, n)
    other = np.where(other == buyer, (other + 1) % ctx.n_persons, other)
    other = _near_receivers(ctx, world, buyer, other)
    in_dataset = chance(rng, people.p_receiver_in_dataset, n)
    receiver = np.where(kind == "self", buyer, np.where(in_dataset, other, -1))
    person = person_columns(world.persons, pl.Series(np.maximum(receiver, 0)),
                            ["name", "province", "city", "district", "address"] + PHONE_ERA_COLUMNS)
    person = person.with_columns(pl.Series("_t", t))
    own_phone = person.select(pl.coalesce(phone_at(pl.col("_t")), pl.col("phone0"))).to_series()
    outsider = receiver < 0
    stranger = gather(world.persons.select("province", "city", "district", "address"), rng.integers(0, ctx.n_persons, n))
    polite = person["name"].str.slice(0, 1) + choose(rng, ("女士", "先生"), n)
    name = when(outsider, choose(rng, vocab.SURNAMES, n) + choose(rng, vocab.GIVEN_FEMALE + vocab.GIVEN_MALE, n),
                when(chance(rng, 0.08, n), polite, person["name"]))
    phone = when(outsider, world.outsider_numbers(rng, n), own_phone)
    show_masked = chance(rng, masked_share, n)
    place = {c: when(outsider, stranger[c], person[c]) for c in ("province", "city", "district", "address")}
    return pl.DataFrame({
        "is_present": np.where(kind == "gift", 1, np.where(chance(rng, 0.75, n), 0, -1)).astype(np.int8),
        "receiver_name": name,
        "receiver_phone": when(show_masked, phone.str.slice(0, 3) + "****" + phone.str.slice(7, 4), phone),
        "_receiver_number": phone, "_masked": show_masked,
        "province": place["province"], "city": place["city"], "district": place["district"],
        "address": _address_variants(world, place["address"]),
    }).with_columns(pl.when(pl.col("is_present") >= 0).then(pl.col("is_present")).alias("is_present"))


def _near_receivers(ctx: Context, world: World, buyer: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Replace some of the other receivers by someone of the buyer's household or of the buyer's surname."""
    rng = ctx.rng("near_receivers")
    closeness = pick(rng, ctx.mix.people.other_receivers, len(buyer))
    persons = world.persons
    groups = {"household": persons["household"].to_numpy(),
              "surname": persons["name"].str.slice(0, 1).rank("dense").to_numpy()}
    for kind, keys in groups.items():
        rows = np.flatnonzero(closeness == kind)
        near = same_group_other(rng, keys, buyer[rows])
        other[rows] = np.where(near >= 0, near, other[rows])
    return other


def same_group_other(rng: np.random.Generator, keys: np.ndarray, who: np.ndarray) -> np.ndarray:
    """For each person in ``who``, another person with the same key, or -1 when nobody else has it."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    start = np.searchsorted(sorted_keys, keys[who], "left")
    size = np.searchsorted(sorted_keys, keys[who], "right") - start
    offset = rng.integers(0, 1 << 30, len(who)) % np.maximum(size, 1)
    chosen = order[start + offset]
    chosen = np.where(chosen == who, order[start + (offset + 1) % np.maximum(size, 1)], chosen)
    return np.where(size > 1, chosen, -1)


# --- shop orders (mini program, Channels) ---------------------------------------------------------------


@dataclass
class ShopBuild:
    orders: Built
    aftersales: Built
    truth: OrderTruth


def build_shop(ctx: Context, world: World, channel: str) -> ShopBuild:
    rng = ctx.rng(f"{channel}_orders")
    n = order_count(ctx, rng, channel)
    is_mp = channel == "miniprogram"
    if is_mp:
        users = world.mp_users
        pick_user = rng.integers(0, users.height, n)
        buyer = users["_pid"].to_numpy()[pick_user].astype(np.int64)
        buyer_openid = users["openid"].gather(pick_user)
        created = order_times(ctx, rng, n, users["created"].to_numpy()[pick_user])
    else:
        buyer = rng.integers(0, ctx.n_persons, n).astype(np.int64)
        buyer_openid = world.ch_openid.gather(buyer)
        created = order_times(ctx, rng, n, np.full(n, ctx.t0))
    order = _shop_order_table(ctx, world, rng, channel, buyer, buyer_openid, created)
    lines = _shop_lines(ctx, rng, order, channel)
    life = _shop_lifecycle(ctx, rng, order["_lines"].to_numpy(), created)
    aftersales, life = _aftersales(ctx, rng, order, lines, life,
                                   spec.MP_AFTERSALES if is_mp else spec.CH_AFTERSALES)
    events = pl.concat([
        event_frame(np.arange(n), life[name], status, seq)
        for seq, (name, status) in enumerate((("create", "10"), ("pay", "20"), ("cancel", "250"), ("oversold", "190"),
                                              ("part_ship", "21"), ("ship", "30"), ("refund_all", "200"),
                                              ("complete", "100")))
    ])
    versions = emit_versions(ctx, rng, events)
    entity = spec.MP_ORDERS if is_mp else spec.CH_ORDERS
    rows = _shop_rows(entity, order, lines, versions, life["pay"])
    source = f"{channel}.buyers"
    buyers = order.select(pl.col("buyer_openid"), pl.col("_pid")).unique(subset="buyer_openid", maintain_order=True)
    # the receiver phone is the buyer's identifier when it is one of their own numbers, shown unmasked, on an
    # order that is not a gift (is_present = 1 says the receiver is another person, whatever the number)
    receiver_own = ((~pl.col("_masked")) & is_own_number(pl.col("_receiver_number"))
                    & (pl.col("is_present") != 1).fill_null(True))
    rows_for_ids = order.with_columns(person_columns(world.persons, order["_pid"], ["phone0", "phone1", "phone2"]))
    idents = [
        idents_frame(source, rows_for_ids, "buyer_openid", UNIONID, pl.col("buyer_unionid")),
        idents_frame(source, rows_for_ids, "buyer_openid", PHONE, pl.col("_receiver_number"), receiver_own),
    ]
    if is_mp:
        idents.append(idents_frame(source, rows_for_ids, "buyer_openid", MP_OPENID, pl.col("buyer_openid")))
    truth = _shop_truth(ctx, channel, world, order, lines, events, aftersales)
    orders_built = Built(entity, rows, [xref_frame(source, buyers["buyer_openid"], buyers["_pid"])], idents)
    return ShopBuild(orders_built, aftersales.built, truth)


def _shop_order_table(ctx, world, rng, channel, buyer, buyer_openid, created) -> pl.DataFrame:
    people = ctx.mix.people
    n = len(buyer)
    is_mp = channel == "miniprogram"
    lines = pick(rng, people.lines_per_order[channel], n).astype(np.int64)
    person = person_columns(world.persons, pl.Series(buyer), ["unionid"])
    shown = chance(rng, people.p_unionid_shown["mp_buyer" if is_mp else "ch_buyer"], n) & ~bare_buyers(ctx)[buyer]
    buyer_unionid = when(shown, person["unionid"])
    promotions = dict(vocab.PROMOTIONS)
    if is_mp:
        promotions.pop("live_exclusive")
    promotion = pick_str(rng, promotions, n)
    freight = np.where(chance(rng, 0.2, n), rng.choice([600, 800, 1000, 1200], n), 0)
    order_id = unique_digit_ids(rng, n, "3" if is_mp else "37", 19 if is_mp else 20)
    receivers = _receivers(ctx, world, rng, buyer, created, 0.0 if is_mp else people.p_channels_masked_receiver)
    sharer = _order_sharers(ctx, world, rng, n, channel)
    frame = pl.DataFrame({
        "_order": np.arange(n), "_pid": buyer.astype(np.int32), "order_id": order_id, "buyer_openid": buyer_openid,
        "buyer_unionid": buyer_unionid, "create_time": created, "_lines": lines, "promotion_type": promotion,
        "coupon_id": when((promotion == "coupon").to_numpy(), "CPN" + tokens(rng, n, 7, DIGITS)),
        "freight_fen": freight.astype(np.int64),
    }).hstack(receivers).hstack(sharer)
    if not is_mp:
        scene = rng.choice(np.arange(1, 7), n, p=[0.1, 0.45, 0.2, 0.1, 0.1, 0.05])
        frame = frame.with_columns(
            pl.Series("order_scene", scene.astype(str)),
            when(scene == 2, "live_" + tokens(rng, n, 9, DIGITS)).alias("live_id"),
            when(chance(rng, 0.97, n), choose(rng, vocab.FINDER_IDS, n)).alias("finder_id"),
        )
    return frame


def bare_buyers(ctx: Context) -> np.ndarray:
    """Per person: whether their shop orders never show their unionid (the same persons in both shops)."""
    return chance(ctx.rng("bare_buyers"), ctx.mix.people.p_bare_shop_buyer, ctx.n_persons)


def _order_sharers(ctx: Context, world: World, rng: np.random.Generator, n: int, channel: str) -> pl.DataFrame:
    """The sharer an order names: by mini program openid, or for Channels by unionid (with the sharer's
    Channels-namespace openid beside it). Only sharers bound for the whole window are named."""
    active = world.sharers.filter(pl.col("active"))
    if channel == "channels":
        active = active.filter(pl.col("sharer_unionid").is_not_null())
    if active.height == 0:
        return pl.DataFrame({c: pl.Series([None] * n, dtype=pl.String)
                             for c in ("sharer_openid", "sharer_unionid", "share_scene", "_sharer")})
    shared = pl.Series(chance(rng, ctx.mix.people.p_order_sharer[channel], n))
    # a few sharers (store staff most of all) bring most of the orders
    pull = np.exp(rng.normal(0, 1.5, active.height)) * np.where(active["sharer_type"].to_numpy() == "1", 3.0, 1.0)
    chosen = gather(active, rng.choice(active.height, n, p=pull / pull.sum()))
    if channel == "miniprogram":
        openid, unionid = chosen["sharer_openid"], when(chance(rng, 0.8, n), chosen["sharer_unionid"])
    else:
        openid, unionid = chosen["ch_openid"], chosen["sharer_unionid"]
    scene = int_str(rng.integers(1, 6, n))
    named = {"sharer_openid": openid, "sharer_unionid": unionid, "share_scene": scene,
             "_sharer": chosen["sharer_openid"]}  # the sharer's id in miniprogram/sharers
    return pl.DataFrame({name: pl.select(pl.when(pl.lit(shared)).then(pl.lit(v))).to_series() for name, v in named.items()})


def _shop_lines(ctx: Context, rng: np.random.Generator, order: pl.DataFrame, channel: str) -> pl.DataFrame:
    catalogue = products(ctx)
    n_lines = order["_lines"].to_numpy()
    order_idx = np.repeat(np.arange(order.height), n_lines)
    line_no = np.arange(len(order_idx)) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines) + 1
    m = len(order_idx)
    product = rng.integers(0, catalogue.height, m)
    item = gather(catalogue, product)
    quantity = rng.choice([1, 1, 1, 1, 1, 1, 1, 2, 2, 3], m).astype(np.int64)
    gross = item["unit_price_fen"].to_numpy() * quantity
    promotion = order["promotion_type"].gather(order_idx).to_numpy()
    off = np.select(
        [promotion == "none", promotion == "coupon", promotion == "member_price", promotion == "bargain"],
        [np.zeros(m), rng.uniform(0.05, 0.3, m), rng.uniform(0.05, 0.15, m), rng.uniform(0.2, 0.5, m)],
        rng.uniform(0.1, 0.35, m))
    discount = np.round(gross * off / 10).astype(np.int64) * 10
    paid = gross - discount
    shared = order["sharer_openid"].is_not_null().to_numpy()[order_idx]
    commission = np.where(shared, np.round(paid * rng.uniform(0.03, 0.1, m)).astype(np.int64), -1)
    freight = np.where(line_no == 1, order["freight_fen"].to_numpy()[order_idx], np.where(chance(rng, 0.5, m), 0, -1))
    nullable = lambda values, empty_share: when((values >= 0) & ~chance(rng, empty_share, m), pl.Series(values))  # noqa: E731
    return pl.DataFrame({
        "_order": order_idx, "line_no": line_no.astype(np.int64), "product_id": item["product_id"],
        "sku_id": item["product_id"] + "-" + int_str(rng.integers(1, 6, m)), "product_title": item["product_title"],
        "category": item["category"], "quantity": quantity, "unit_price_fen": item["unit_price_fen"],
        "paid_amount_fen": paid,
        "discount_fen": when(~((discount == 0) & chance(rng, 0.3, m)), pl.Series(discount)),
        "freight_fen": nullable(freight, 0.0), "_freight": np.maximum(freight, 0),
        "commission_fen": when(shared, pl.Series(commission), when(chance(rng, 0.2, m), pl.Series(np.zeros(m, np.int64)))),
        "_commission": np.maximum(commission, 0),
    })


def _shop_lifecycle(ctx: Context, rng: np.random.Generator, n_lines: np.ndarray, created: np.ndarray) -> dict:
    """Event times per order (NEVER when the event does not happen)."""
    people = ctx.mix.people
    n = len(created)
    paid = chance(rng, people.p_shop_paid, n)
    pay = np.where(paid, created + uniform(rng, 60, 1800, n), NEVER)
    cancel = np.where(~paid, created + uniform(rng, 600, DAY, n), NEVER)
    oversold = paid & chance(rng, people.p_oversold, n)
    oversold_at = np.where(oversold, pay + uniform(rng, HOUR, DAY, n), NEVER)
    ships = paid & ~oversold
    ship = np.where(ships, pay + uniform(rng, 4 * HOUR, 72 * HOUR, n), NEVER)
    partly = ships & (n_lines > 1) & chance(rng, 0.4, n)
    part_ship = np.where(partly, pay + ((ship - pay) * rng.uniform(0.2, 0.8, n)).astype(np.int64), NEVER)
    complete = np.where(ships, ship + uniform(rng, 3 * DAY, 10 * DAY, n), NEVER)
    return {"create": created, "pay": pay, "cancel": cancel, "oversold": oversold_at, "part_ship": part_ship,
            "ship": ship, "complete": complete, "refund_all": np.full(n, NEVER)}


@dataclass
class Aftersales:
    built: Built
    final: pl.DataFrame  # _order, line_no (null: whole order), refund_amount_fen, success (at the window's end)


def _aftersales(ctx: Context, rng: np.random.Generator, order: pl.DataFrame, lines: pl.DataFrame, life: dict,
                entity: spec.Entity):
    """After-sales on paid, shipped or completed orders; a successful whole-order refund before shipping
    cancels the order (status 200)."""
    people = ctx.mix.people
    n = order.height
    eligible = (life["pay"] != NEVER) & (life["oversold"] == NEVER) & (life["pay"] < ctx.t_end - 2 * HOUR)
    first = np.flatnonzero(eligible & chance(rng, people.p_aftersale, n))
    if len(first) < MIN_AFTERSALES:  # a small data set still shows after-sales
        first = np.union1d(first, rng.permutation(np.flatnonzero(eligible))[:MIN_AFTERSALES])
    second = first[chance(rng, people.p_second_aftersale, len(first))]
    k = len(first) + len(second)
    order_idx = np.concatenate([first, second])
    whole = chance(rng, 0.3, len(first))
    whole = np.concatenate([whole, whole[np.searchsorted(first, second)]])
    n_lines = order["_lines"].to_numpy()[order_idx]
    line_no = np.where(whole, -1, 1 + rng.integers(0, 1 << 20, k) % n_lines)
    line_no[len(first):] = line_no[np.searchsorted(first, second)]
    # asked for within six days of paying, and inside the window (later ones would not show yet)
    latest = np.minimum(life["pay"][order_idx] + 6 * DAY, ctx.t_end - HOUR)
    start = life["pay"][order_idx] + HOUR + ((latest - life["pay"][order_idx] - HOUR) * rng.random(k)).astype(np.int64)
    start[len(first):] = start[np.searchsorted(first, second)] + 5 * DAY + uniform(rng, HOUR, DAY, len(second))
    pre_ship = start < life["ship"][order_idx]
    followed = np.concatenate([np.isin(first, second), np.zeros(len(second), bool)])
    path = _choose_paths(rng, pre_ship, followed)
    steps = np.cumsum(np.column_stack([np.zeros(k, np.int64)] + [uniform(rng, 2 * HOUR, 2 * DAY, k) for _ in range(2)]),
                      axis=1) + start[:, None]
    amounts = _refund_amounts(rng, order, lines, order_idx, line_no)
    events = []
    for p, (_type, _, statuses) in enumerate(AFTERSALE_PATHS):
        rows = np.flatnonzero(path == p)
        for status, step in statuses:
            events.append(event_frame(rows, steps[rows, step], status, step))
    events = pl.concat(events)
    state = last_status(ctx, events)
    success_at = events.filter(pl.col("_status").is_in(REFUND_SUCCESS) & (pl.col("_t") < ctx.t_end))
    success_t = np.full(k, NEVER)
    success_t[success_at["_rec"].to_numpy()] = success_at["_t"].to_numpy()
    # a whole-order refund that succeeds before anything ships: every item went to after-sale
    cancels = whole & (success_t < life["ship"][order_idx]) & (success_t != NEVER)
    life = dict(life)
    for name in ("part_ship", "ship", "complete"):
        times = life[name].copy()
        times[order_idx[cancels]] = NEVER
        life[name] = times
    refund_all = life["refund_all"].copy()
    refund_all[order_idx[cancels]] = success_t[cancels]
    life["refund_all"] = refund_all
    table = pl.DataFrame({
        "_rec": np.arange(k), "_order": order_idx, "aftersale_id": unique_digit_ids(rng, k, "4", 19),
        "order_id": order["order_id"].gather(order_idx), "line_no": when(~whole, pl.Series(line_no)),
        "type": take([p[0] for p in AFTERSALE_PATHS], path), "refund_amount_fen": amounts,
        "reason": choose(rng, vocab.AFTERSALE_REASONS, k), "create_time": start,
        "_pid": order["_pid"].gather(order_idx),
    })
    versions = emit_versions(ctx, rng, events)
    rows = gather(table, versions["_rec"]).with_columns(versions.select("_t", "_day", "_status"))
    built_rows = rows.select(
        *[pl.col("_status").alias("status") if c == "status" else pl.col("_t").alias("update_time")
          if c == "update_time" else pl.col(c) for c in entity.names],
        "_rec", "_pid", "_day", "_t", pl.col("aftersale_id").alias("_key"))
    final = table.join(state, on="_rec", how="left", maintain_order="left").select(
        "_order", "line_no", "refund_amount_fen", pl.col("_status").is_in(REFUND_SUCCESS).alias("success"))
    return Aftersales(Built(entity, built_rows, [], []), final), life


def _choose_paths(rng: np.random.Generator, pre_ship: np.ndarray, followed: np.ndarray) -> np.ndarray:
    """A path per after-sale: before shipping only refunds; an attempt followed by another did not succeed
    (so at most one after-sale per order refunds money)."""
    weights = np.asarray([p[1] for p in AFTERSALE_PATHS], dtype=float)
    is_refund = np.asarray([p[0] == "REFUND" for p in AFTERSALE_PATHS])
    succeeds = np.asarray([any(s in REFUND_SUCCESS for s, _ in p[2]) for p in AFTERSALE_PATHS])
    choices = np.empty(len(pre_ship), dtype=np.int64)
    for ship_state in (True, False):
        for was_followed in (True, False):
            rows = np.flatnonzero((pre_ship == ship_state) & (followed == was_followed))
            allowed = (is_refund if ship_state else np.ones_like(is_refund)) & (~succeeds if was_followed else True)
            w = weights * allowed
            choices[rows] = rng.choice(len(weights), len(rows), p=w / w.sum())
    return choices


def _refund_amounts(rng, order, lines, order_idx, line_no) -> np.ndarray:
    """A line's paid amount (sometimes part of it); a whole order: every line and the freight."""
    per_order = lines.group_by("_order").agg(pl.col("paid_amount_fen").sum(), pl.col("_freight").sum()).sort("_order")
    order_total = np.zeros(order.height, np.int64)
    order_total[per_order["_order"].to_numpy()] = (per_order["paid_amount_fen"] + per_order["_freight"]).to_numpy()
    first_line = np.cumsum(order["_lines"].to_numpy()) - order["_lines"].to_numpy()
    line_paid = lines["paid_amount_fen"].to_numpy()[first_line[order_idx] + np.maximum(line_no, 1) - 1]
    partial = chance(rng, 0.2, len(order_idx))
    line_amount = np.where(partial, (line_paid * rng.uniform(0.3, 0.9, len(order_idx))).astype(np.int64), line_paid)
    return np.where(line_no < 0, order_total[order_idx], np.maximum(line_amount, 1))


def _shop_rows(entity: spec.Entity, order: pl.DataFrame, lines: pl.DataFrame, versions: pl.DataFrame,
               pay: np.ndarray) -> pl.DataFrame:
    """One row per (version, line): order-level fields repeat on every line."""
    n_lines = order["_lines"].to_numpy()
    first_line = np.cumsum(n_lines) - n_lines
    v_order = versions["_rec"].to_numpy()
    reps = n_lines[v_order]
    v_idx = np.repeat(np.arange(versions.height), reps)
    line_idx = np.repeat(first_line[v_order], reps) + (np.arange(len(v_idx)) - np.repeat(np.cumsum(reps) - reps, reps))
    ver = gather(versions, v_idx)
    rows = pl.concat([gather(order.drop("freight_fen"), ver["_rec"]), gather(lines.drop("_order"), line_idx),
                      ver.select("_t", "_day", "_status")], how="horizontal")
    t = pl.col("_t")
    pay_time = pl.lit(pl.Series(pay)).gather(pl.col("_order"))
    exprs = {
        "status": pl.col("_status"), "update_time": t,
        "pay_time": pl.when(pay_time <= t).then(pay_time),
    }
    return rows.select(
        *[exprs.get(c, pl.col(c)).alias(c) for c in entity.names],
        pl.col("_order").alias("_rec"), "_pid", "_day", "_t",
        (pl.col("order_id") + "|" + pl.col("line_no").cast(pl.String)).alias("_key"),
    )


def _shop_truth(ctx, channel, world, order, lines, events, aftersales: Aftersales) -> OrderTruth:
    state = last_status(ctx, events).sort("_rec")
    per_order = lines.group_by("_order").agg(
        (pl.col("paid_amount_fen").sum() + pl.col("_freight").sum()).alias("gross"))
    success = aftersales.final.filter(pl.col("success"))
    refunded = success.group_by("_order").agg(pl.col("refund_amount_fen").sum().alias("refunded"))
    truth = (order.select("_order", "_pid", "order_id", "create_time", "_sharer")
             .join(state.rename({"_rec": "_order"}), on="_order", how="left", maintain_order="left")
             .join(per_order, on="_order", how="left", maintain_order="left")
             .join(refunded, on="_order", how="left", maintain_order="left")
             .with_columns(pl.col("_status").replace_strict(SHOP_NORMALISED).alias("status"),
                           pl.col("refunded").fill_null(0)))
    truth = truth.with_columns(
        pl.when(pl.col("status").is_in(NEVER_PAID)).then(0).otherwise(pl.col("gross")).alias("paid_amount_fen"))
    truth = truth.with_columns(
        pl.when((pl.col("refunded") > 0) & (pl.col("paid_amount_fen") > 0))
        .then(pl.when(pl.col("refunded") >= pl.col("paid_amount_fen")).then(pl.lit("refunded"))
              .otherwise(pl.lit("partially_refunded")))
        .otherwise(pl.col("status")).alias("status"),
        pl.col("refunded").alias("refunded_amount_fen"))
    # lines refunded by a successful after-sale (no line_no: every line) earn no commission
    refunded_lines = success.select("_order", "line_no")
    line_comm = lines.select("_order", "line_no", "_commission").join(
        refunded_lines.filter(pl.col("line_no").is_not_null()), on=["_order", "line_no"], how="anti").join(
        refunded_lines.filter(pl.col("line_no").is_null()).select("_order"), on="_order", how="anti")
    commission = line_comm.group_by("_order").agg(pl.col("_commission").sum().alias("commission_fen"))
    return OrderTruth(truth_frame(world, channel, truth), truth.select(
        (pl.lit(f"{channel}:") + pl.col("order_id")).alias("order_key"), "_order").join(
        commission, on="_order", how="left", maintain_order="left").select(
        "order_key", pl.col("commission_fen").fill_null(0)))


