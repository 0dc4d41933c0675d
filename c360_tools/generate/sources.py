"""The identity sources: mini program users and sharers, official-account followers, WeCom contacts,
app users, web customers and CRM members, each as the versions its exports carry."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from . import spec, vocab
from .context import DAY, NEVER, Context
from .formats import PHONE_VARIANTS, phone_any
from .persons import SPARE_NUMBERS
from .rand import URLSAFE, Deck, chance, choose, int_str, pick_index, pick_str, take, tokens, unique_digit_ids, unique_ints, when
from .records import (
    EMAIL,
    MP_OPENID,
    PHONE,
    PHONE_ERA_COLUMNS,
    UNIONID,
    Built,
    created_times,
    gather,
    idents_frame,
    latest_versions,
    person_columns,
    phone_alternatives,
    phone_at,
    phone_kinds,
    phone_value,
    shown_from,
    version_times,
    xref_frame,
)


@dataclass
class World:
    """The persons and the ids other builders need to refer to them."""

    persons: pl.DataFrame
    spare_numbers: pl.Series  # mobile numbers that are nobody's
    mp_openid: pl.Series  # per person; null when not a mini program user
    ch_openid: pl.Series  # per person: their openid in the Channels shop's namespace
    store_phones: pl.Series  # the stores' own numbers, by store index
    address_forms: Deck  # how delivery addresses are typed (plain, with a comma, quotes, a line break)
    mp_users: pl.DataFrame | None = None  # pid, openid, created
    sharers: pl.DataFrame | None = None  # pid, sharer_openid, sharer_unionid, ch_openid, active, ...
    oa_followers: pl.DataFrame | None = None  # pid, openid
    wecom_contacts: pl.DataFrame | None = None  # pid, external_userid
    app_users: pl.DataFrame | None = None  # pid, user_id, device_ids
    web_customers: pl.DataFrame | None = None  # pid, customer_id
    crm_members: pl.DataFrame | None = None  # pid, member_id

    def outsider_numbers(self, rng: np.random.Generator, n: int) -> pl.Series:
        """Numbers of people outside the data set (gift receivers and the like)."""
        return self.spare_numbers.gather(rng.integers(len(vocab.STORES), SPARE_NUMBERS, n))


def make_world(ctx: Context, persons: pl.DataFrame, spare_numbers: pl.Series) -> World:
    rng = ctx.rng("world")
    n = persons.height
    mp_openid = when(persons["in_mp"].to_numpy(), "oMp3x" + tokens(rng, n, 23, URLSAFE))
    cells = ctx.mix.cells
    address_forms = Deck(rng, {"plain": 1 - cells.p_address_comma - cells.p_address_quote - cells.p_address_newline,
                               "comma": cells.p_address_comma, "quote": cells.p_address_quote,
                               "newline": cells.p_address_newline})
    return World(persons=persons, spare_numbers=spare_numbers, mp_openid=mp_openid,
                 ch_openid="oCh7k" + tokens(rng, n, 23, URLSAFE),
                 store_phones=spare_numbers.slice(0, len(vocab.STORES)), address_forms=address_forms)


def _subset(persons: pl.DataFrame, flag: str, repeat: str | None = None) -> pl.DataFrame:
    chosen = persons.filter(pl.col(flag))
    if repeat is None:
        return chosen.with_columns(pl.lit(0, dtype=pl.Int8).alias("_nth"))
    times = chosen[repeat].cast(pl.Int64).to_numpy()
    idx = np.repeat(np.arange(chosen.height), times)
    nth = np.arange(len(idx)) - np.repeat(np.cumsum(times) - times, times)
    return gather(chosen, idx).with_columns(pl.Series("_nth", nth.astype(np.int8)))


def _display_name(persons: pl.DataFrame) -> pl.Expr:
    return pl.coalesce(pl.col("wx_nick"), pl.col("name"))


def _gender_code(rng: np.random.Generator, gender: pl.Series, p_unknown: float) -> pl.Series:
    """'0' unknown, '1' male, '2' female."""
    return when(chance(rng, p_unknown, len(gender)), pl.repeat("0", len(gender), eager=True), gender.cast(pl.String))


def _expand(ctx: Context, rec: pl.DataFrame, versions: pl.DataFrame, persons: pl.DataFrame) -> pl.DataFrame:
    """One row per version: the record's columns, the version's time, and the person's phone eras."""
    rows = gather(rec, versions["_rec"]).with_columns(versions.select("_rec", "_t", "_day"))
    return rows.with_columns(person_columns(persons, rows["_pid"], PHONE_ERA_COLUMNS))


def _finish(entity: spec.Entity, rows: pl.DataFrame, columns: dict[str, pl.Expr], key: pl.Expr) -> pl.DataFrame:
    """The entity's columns in contract order plus the bookkeeping columns the writer uses."""
    exprs = [columns[name].alias(name) for name in entity.names]
    return rows.select(*exprs, "_rec", "_pid", "_day", "_t", key.alias("_key"))


# --- mini program -----------------------------------------------------------------------------------


def build_mp_users(ctx: Context, world: World) -> Built:
    people, rng = ctx.mix.people, ctx.rng("mp_users")
    p = _subset(world.persons, "in_mp")
    n = p.height
    created = created_times(ctx, rng, n)
    rec = pl.DataFrame({
        "_pid": p["pid"], "openid": world.mp_openid.gather(p["pid"]), "created": created,
        "nickname": p.select(_display_name(p)).to_series(), "gender": _gender_code(rng, p["gender"], 0.35),
        "_unionid": p["unionid"], "_union_from": shown_from(ctx, rng, p["unionid"].is_not_null().to_numpy(),
                                                            people.p_unionid_shown["mp"], created),
        "_phone_kind": phone_kinds(rng, people.phone_kinds["mp"], n),
    }).hstack(phone_alternatives(rng, n))
    world.mp_users = rec.select("_pid", "openid", "created")
    rows = _expand(ctx, rec, version_times(ctx, rng, created, people.updates_per_day["mp"]), world.persons)
    t = pl.col("_t")
    versions = _finish(spec.MP_USERS, rows, {
        "openid": pl.col("openid"), "unionid": pl.when(t >= pl.col("_union_from")).then(pl.col("_unionid")),
        "phone": phone_value(t), "nickname": pl.col("nickname"), "gender": pl.col("gender"),
        "register_time": pl.col("created"), "update_time": t,
    }, key=pl.col("openid")).with_columns(rows["_phone_kind"])
    source = "miniprogram.users"
    latest = latest_versions(versions)  # what a reader keeps: earlier versions' values are superseded
    idents = [
        idents_frame(source, latest, "openid", MP_OPENID, pl.col("openid")),
        idents_frame(source, latest, "openid", UNIONID, pl.col("unionid")),
        idents_frame(source, latest, "openid", PHONE, pl.col("phone"), pl.col("_phone_kind") == "own"),
    ]
    return Built(spec.MP_USERS, versions.drop("_phone_kind"), [xref_frame(source, rec["openid"], rec["_pid"])], idents)


def build_sharers(ctx: Context, world: World) -> Built:
    people, rng = ctx.mix.people, ctx.rng("sharers")
    mp = world.mp_users
    p = _subset(world.persons, "is_sharer")
    n = p.height
    registered = mp.sort("_pid")["created"].to_numpy()[np.searchsorted(mp.sort("_pid")["_pid"].to_numpy(),
                                                                          p["pid"].to_numpy())]
    bind = created_times(ctx, rng, n, not_before=registered + DAY)
    unbinds = chance(rng, people.p_sharer_unbinds, n)
    unbind = bind + ((ctx.t_end + 20 * DAY - bind) * rng.random(n)).astype(np.int64)
    unbind = np.where(unbinds & (unbind < ctx.t_end), unbind, NEVER)
    staff = chance(rng, people.p_staff_sharer, n)
    store = rng.integers(0, len(vocab.STORES), n)
    has_unionid = p["unionid"].is_not_null().to_numpy() & chance(rng, people.p_sharer_unionid, n)
    rec = pl.DataFrame({
        "_pid": p["pid"], "sharer_openid": world.mp_openid.gather(p["pid"]),
        "sharer_unionid": when(has_unionid, p["unionid"]), "nickname": p.select(_display_name(p)).to_series(),
        "sharer_type": when(staff, pl.Series(["1"] * n), pl.Series(["0"] * n)),
        "store_id": when(staff, take(vocab.STORES, store)), "store_name": when(staff, take(vocab.STORE_NAMES, store)),
        "bind_time": bind, "_unbind": unbind,
    })
    world.sharers = rec.select(
        pl.col("_pid").alias("pid"), "sharer_openid", "sharer_unionid", "sharer_type", "store_id",
        world.ch_openid.gather(rec["_pid"]).alias("ch_openid"),
        ((pl.col("bind_time") < ctx.t0) & (pl.col("_unbind") == NEVER)).alias("active"),
    )
    ev = np.flatnonzero(unbind != NEVER)
    v = version_times(ctx, rng, bind, people.updates_per_day["sharer"], events=(ev, unbind[ev]))
    rows = _expand(ctx, rec, v, world.persons)
    t = pl.col("_t")
    versions = _finish(spec.MP_SHARERS, rows, {
        **{c: pl.col(c) for c in ("sharer_openid", "sharer_unionid", "nickname", "sharer_type", "store_id",
                                  "store_name", "bind_time")},
        "unbind_time": pl.when(t >= pl.col("_unbind")).then(pl.col("_unbind")), "update_time": t,
    }, key=pl.col("sharer_openid"))
    source = "miniprogram.sharers"
    latest = latest_versions(versions)
    idents = [
        idents_frame(source, latest, "sharer_openid", MP_OPENID, pl.col("sharer_openid")),
        idents_frame(source, latest, "sharer_openid", UNIONID, pl.col("sharer_unionid")),
    ]
    return Built(spec.MP_SHARERS, versions, [xref_frame(source, rec["sharer_openid"], rec["_pid"])], idents)


# --- official account --------------------------------------------------------------------------------


def build_oa_followers(ctx: Context, world: World) -> Built:
    people, rng = ctx.mix.people, ctx.rng("oa_followers")
    p = _subset(world.persons, "in_oa")
    n = p.height
    created = created_times(ctx, rng, n)
    leaves = chance(rng, 0.2, n)
    unsub = created + ((ctx.t_end + 60 * DAY - created) * rng.random(n)).astype(np.int64)
    unsub = np.where(leaves & (unsub < ctx.t_end), unsub, NEVER)
    scene = pick_str(rng, vocab.OA_SCENES, n)
    qr = (scene == "ADD_SCENE_QR_CODE").to_numpy() & chance(rng, 0.75, n)
    first_tag, second_tag = int_str(rng.integers(1, 100, n)), int_str(rng.integers(100, 131, n))
    tags = when(chance(rng, 0.6, n), first_tag + "," + second_tag, first_tag)
    rec = pl.DataFrame({
        "_pid": p["pid"], "openid": "oOa9z" + tokens(rng, n, 23, URLSAFE), "created": created, "_unsub": unsub,
        "_unionid": p["unionid"],
        "_union_from": shown_from(ctx, rng, p["unionid"].is_not_null().to_numpy(), people.p_unionid_shown["oa"],
                                  created),
        "subscribe_scene": scene, "qr_scene_str": when(qr, "store_" + choose(rng, vocab.STORES, n)),
        "tagid_list": when(chance(rng, 0.8, n), tags), "remark": when(chance(rng, 0.08, n), p["name"]),
    })
    world.oa_followers = rec.select(pl.col("_pid").alias("pid"), "openid")
    ev = np.flatnonzero(unsub != NEVER)
    rows = _expand(ctx, rec, version_times(ctx, rng, created, people.updates_per_day["oa"], (ev, unsub[ev])),
                   world.persons)
    t = pl.col("_t")
    gone = t >= pl.col("_unsub")
    versions = _finish(spec.OA_FOLLOWERS, rows, {
        "openid": pl.col("openid"), "unionid": pl.when(t >= pl.col("_union_from")).then(pl.col("_unionid")),
        "subscribe": pl.when(gone).then(0).otherwise(1).cast(pl.Int8), "subscribe_time": pl.col("created"),
        "unsubscribe_time": pl.when(gone).then(pl.col("_unsub")), "subscribe_scene": pl.col("subscribe_scene"),
        "qr_scene_str": pl.col("qr_scene_str"), "tagid_list": pl.col("tagid_list"), "remark": pl.col("remark"),
        "update_time": t,
    }, key=pl.col("openid"))
    source = "official_account.followers"
    latest = latest_versions(versions)
    idents = [idents_frame(source, latest, "openid", UNIONID, pl.col("unionid"))]
    return Built(spec.OA_FOLLOWERS, versions, [xref_frame(source, rec["openid"], rec["_pid"])], idents)


# --- WeCom ----------------------------------------------------------------------------------------------


def _remark_mobiles(ctx: Context, rng: np.random.Generator, rows: pl.DataFrame) -> pl.DataFrame:
    """What staff typed into 备注手机号: usually the customer's number, sometimes two, sometimes wrong.

    Returns the cell text and the person's own numbers in it (for the truth).
    """
    people = ctx.mix.people
    n = rows.height
    current = rows.select(phone_at(pl.col("created"))).to_series()
    other = rows.select(pl.coalesce(pl.col("phone1"), pl.col("phone0"))).to_series()
    typed = chance(rng, people.p_remark_mobile, n)
    wrong = typed & chance(rng, people.p_remark_wrong_mobile, n)
    second = typed & ~wrong & chance(rng, people.p_remark_second_mobile, n)
    same_number_twice = chance(rng, 0.5, n)
    first_own = when(typed & ~wrong, current)
    second_own = when(second, when(same_number_twice, current, other))
    a, b = phone_as_typed(ctx, rng, first_own), phone_as_typed(ctx, rng, second_own)
    junk = when(chance(rng, 0.5, n), choose(rng, vocab.PHONE_JUNK + vocab.PHONE_PLACEHOLDERS, n),
                take(["0257299 5126", "0571-8888 6666", "010 5688 8766"], rng.integers(0, 3, n)))
    separator = choose(rng, (",", ";", "，", ", ", "， "), n)
    text = pl.select(
        pl.when(pl.lit(pl.Series(wrong))).then(pl.lit(junk))
        .when(pl.lit(a).is_null()).then(pl.lit(b))
        .when(pl.lit(b).is_null()).then(pl.lit(a))
        .otherwise(pl.lit(a) + pl.lit(separator) + pl.lit(b))
    ).to_series()
    return pl.DataFrame({"remark_mobiles": text, "_own1": first_own, "_own2": second_own})


def phone_as_typed(ctx: Context, rng: np.random.Generator, number: pl.Series) -> pl.Series:
    """Mobile numbers written the way people type them (``+86 138 0013 8000``, full-width digits, ...)."""
    weights = ctx.mix.cells.phone_variants
    variant = pick_index(rng, {k: weights.get(k, 0) for k in PHONE_VARIANTS}, len(number))
    return pl.select(phone_any(pl.lit(number), pl.lit(pl.Series(variant)))).to_series()


def build_wecom_contacts(ctx: Context, world: World) -> Built:
    people, rng = ctx.mix.people, ctx.rng("wecom_contacts")
    contacts = _subset(world.persons, "in_wecom")
    ext_id = "wm" + tokens(rng, contacts.height, 30, URLSAFE)
    union_from = shown_from(ctx, rng, contacts["unionid"].is_not_null().to_numpy(), people.p_unionid_shown["wecom"],
                            np.full(contacts.height, ctx.t_history))
    contacts = contacts.with_columns(ext_id.alias("external_userid"), pl.Series("_union_from", union_from))
    world.wecom_contacts = contacts.select("pid", "external_userid")
    p = _subset(contacts, "in_wecom", repeat="wecom_followers")
    n = p.height
    first_staff = rng.integers(0, len(vocab.STAFF), n)
    shift = 1 + rng.integers(0, len(vocab.STAFF) - 1, n)
    staff = np.where(p["_nth"].to_numpy() == 0, first_staff, (np.roll(first_staff, 1) + shift) % len(vocab.STAFF))
    created = created_times(ctx, rng, n)
    deleted = chance(rng, 0.05, n)
    t_del = created + ((ctx.t_end + 30 * DAY - created) * rng.random(n)).astype(np.int64)
    t_del = np.where(deleted & (t_del < ctx.t_end), t_del, NEVER)
    name = p.select(_display_name(p)).to_series()
    remark = p["name"] + choose(rng, vocab.REMARK_SUFFIXES, n)
    remark_kind = rng.random(n)
    add_way = np.asarray(list(vocab.ADD_WAYS))[pick_index(rng, vocab.ADD_WAYS, n)]
    rec = pl.DataFrame({
        "_pid": p["pid"], "external_userid": p["external_userid"], "created": created, "_del": t_del,
        "_unionid": p["unionid"], "_union_from": p["_union_from"], "name": name,
        "type": when(chance(rng, 0.05, n), pl.Series(["2"] * n), pl.Series(["1"] * n)),
        "gender": _gender_code(rng, p["gender"], 0.3),
        "follow_userid": take([s[0] for s in vocab.STAFF], staff),
        "follow_user_name": take([s[1] for s in vocab.STAFF], staff),
        "remark": when(remark_kind < 0.75, remark, when(remark_kind < 0.85, name)),
        "description": when(chance(rng, 0.4, n), choose(rng, vocab.DESCRIPTIONS, n)),
        "add_way": add_way, "state": when((add_way == 1) & chance(rng, 0.7, n), "qr_" + choose(rng, vocab.STORES, n)),
        "tags": when(chance(rng, 0.6, n), choose(rng, vocab.WECOM_TAGS, n)),
    })
    rec = rec.hstack(_remark_mobiles(ctx, rng, rec.hstack(person_columns(world.persons, rec["_pid"], PHONE_ERA_COLUMNS))))
    ev = np.flatnonzero(t_del != NEVER)
    rows = _expand(ctx, rec, version_times(ctx, rng, created, people.updates_per_day["wecom"], (ev, t_del[ev])),
                   world.persons)
    t = pl.col("_t")
    versions = _finish(spec.WECOM_CONTACTS, rows, {
        **{c: pl.col(c) for c in ("external_userid", "name", "type", "gender", "follow_userid", "follow_user_name",
                                  "remark", "remark_mobiles", "description", "add_way", "state", "tags")},
        "unionid": pl.when(t >= pl.col("_union_from")).then(pl.col("_unionid")), "add_time": pl.col("created"),
        "deleted": pl.when(t >= pl.col("_del")).then(1).otherwise(0).cast(pl.Int8), "update_time": t,
    }, key=pl.col("external_userid") + "|" + pl.col("follow_userid")).with_columns(rows.select("_own1", "_own2"))
    source = "wecom.contacts"
    latest = latest_versions(versions)  # per (external_userid, follow_userid); the record unions its rows
    idents = [
        idents_frame(source, latest, "external_userid", UNIONID, pl.col("unionid")),
        idents_frame(source, latest, "external_userid", PHONE, pl.col("_own1")),
        idents_frame(source, latest, "external_userid", PHONE, pl.col("_own2")),
    ]
    xref = xref_frame(source, contacts["external_userid"], contacts["pid"])
    return Built(spec.WECOM_CONTACTS, versions.drop("_own1", "_own2"), [xref], idents)


# --- app, web, CRM ----------------------------------------------------------------------------------------


def _own_email(rng: np.random.Generator, p: pl.DataFrame, p_own: float, p_placeholder: float) -> pl.DataFrame:
    """An account's email: one of the person's own, a placeholder, or none."""
    n = p.height
    own = when(chance(rng, 0.5, n) & p["email1"].is_not_null().to_numpy(), p["email1"], p["email0"])
    own = when(chance(rng, p_own, n), own)
    placeholder = when(chance(rng, p_placeholder, n), choose(rng, vocab.EMAIL_PLACEHOLDERS, n))
    email = pl.select(pl.coalesce(pl.lit(own), pl.lit(placeholder))).to_series()
    return pl.DataFrame({"email": email, "_email_own": own.is_not_null() & (email == own).fill_null(False)})


def build_app_users(ctx: Context, world: World) -> Built:
    people, rng = ctx.mix.people, ctx.rng("app_users")
    p = _subset(world.persons, "in_app")
    n = p.height
    created = created_times(ctx, rng, n)
    full_birthday = ~p["birthday"].str.starts_with("--").to_numpy()
    nickname = when(chance(rng, 0.55, n), "用户" + int_str(rng.integers(100000, 1000000, n)),
                    p.select(_display_name(p)).to_series())
    rec = pl.DataFrame({
        "_pid": p["pid"], "user_id": int_str(unique_ints(rng, n, 100_000_000, 1_000_000_000)), "created": created,
        "nickname": nickname, "birthday": when(full_birthday & chance(rng, 0.4, n), p["birthday"]),
        "gender": _gender_code(rng, p["gender"], 0.3), "device_ids": p["app_devices"].str.replace_all("|", ";", literal=True),
        "push_enabled": chance(rng, 0.65, n).astype(np.int8),
        "_phone_kind": phone_kinds(rng, people.phone_kinds["app"], n),
    }).hstack(phone_alternatives(rng, n)).hstack(_own_email(rng, p, people.p_email_own["app"], people.p_email_placeholder))
    world.app_users = rec.select(pl.col("_pid").alias("pid"), "user_id", "device_ids", "created")
    rows = _expand(ctx, rec, version_times(ctx, rng, created, people.updates_per_day["app"]), world.persons)
    t = pl.col("_t")
    login = pl.max_horizontal(pl.col("created"), t - pl.lit(pl.Series(rng.integers(0, 3 * 3600, rows.height))))
    versions = _finish(spec.APP_USERS, rows, {
        **{c: pl.col(c) for c in ("user_id", "email", "nickname", "birthday", "gender", "device_ids", "push_enabled")},
        "phone": phone_value(t), "register_time": pl.col("created"), "last_login_time": login, "update_time": t,
    }, key=pl.col("user_id")).with_columns(rows.select("_phone_kind", "_email_own"))
    source = "app.users"
    latest = latest_versions(versions)  # a number changed inside the window: only the new one shows
    idents = [
        idents_frame(source, latest, "user_id", PHONE, pl.col("phone"), pl.col("_phone_kind") == "own"),
        idents_frame(source, latest, "user_id", EMAIL, pl.col("email"), pl.col("_email_own")),
    ]
    return Built(spec.APP_USERS, versions.drop("_phone_kind", "_email_own"),
                 [xref_frame(source, rec["user_id"], rec["_pid"])], idents)


def build_web_customers(ctx: Context, world: World) -> Built:
    people, rng = ctx.mix.people, ctx.rng("web_customers")
    p = _subset(world.persons, "in_web")
    n = p.height
    created = created_times(ctx, rng, n)
    rec = pl.DataFrame({
        "_pid": p["pid"], "customer_id": "C" + int_str(unique_ints(rng, n, 10_000_000, 100_000_000)),
        "created": created, "name": when(chance(rng, 0.7, n), p["name"]),
        "_phone_kind": phone_kinds(rng, people.phone_kinds["web"], n),
    }).hstack(phone_alternatives(rng, n)).hstack(_own_email(rng, p, people.p_email_own["web"], people.p_email_placeholder))
    world.web_customers = rec.select(pl.col("_pid").alias("pid"), "customer_id", "created")
    rows = _expand(ctx, rec, version_times(ctx, rng, created, people.updates_per_day["web"]), world.persons)
    t = pl.col("_t")
    versions = _finish(spec.WEB_CUSTOMERS, rows, {
        "customer_id": pl.col("customer_id"), "email": pl.col("email"), "phone": phone_value(t),
        "name": pl.col("name"), "created_at": pl.col("created"), "updated_at": t,
    }, key=pl.col("customer_id")).with_columns(rows.select("_phone_kind", "_email_own"))
    source = "web.customers"
    latest = latest_versions(versions)
    idents = [
        idents_frame(source, latest, "customer_id", PHONE, pl.col("phone"), pl.col("_phone_kind") == "own"),
        idents_frame(source, latest, "customer_id", EMAIL, pl.col("email"), pl.col("_email_own")),
    ]
    return Built(spec.WEB_CUSTOMERS, versions.drop("_phone_kind", "_email_own"),
                 [xref_frame(source, rec["customer_id"], rec["_pid"])], idents)


def build_crm_members(ctx: Context, world: World) -> Built:
    people, rng = ctx.mix.people, ctx.rng("crm_members")
    p = _subset(world.persons, "in_crm", repeat="crm_members")
    n = p.height
    created = created_times(ctx, rng, n)
    store = rng.integers(0, len(vocab.STORES), n)
    rec = pl.DataFrame({
        "_pid": p["pid"], "member_id": unique_digit_ids(rng, n, "88", 12), "created": created, "name": p["name"],
        "birthday": when(chance(rng, 0.6, n), p["birthday"]),
        "gender": when(chance(rng, 0.05, n), pl.Series([0] * n, dtype=pl.Int8), p["gender"]),
        "store_id": take(vocab.STORES, store), "level": pick_str(rng, vocab.CRM_LEVELS, n),
        "_points": rng.integers(0, 20000, n), "sms_opt_in": chance(rng, 0.7, n).astype(np.int8),
        "_phone_kind": phone_kinds(rng, people.phone_kinds["crm"], n),
    }).hstack(phone_alternatives(rng, n, world.store_phones.gather(store)))
    world.crm_members = rec.select(pl.col("_pid").alias("pid"), "member_id")
    rows = _expand(ctx, rec, version_times(ctx, rng, created, people.updates_per_day["crm"]), world.persons)
    t = pl.col("_t")
    local_day = pl.from_epoch(pl.col("created") + 8 * 3600, time_unit="s").dt.strftime("%Y-%m-%d")
    versions = _finish(spec.CRM_MEMBERS, rows, {
        **{c: pl.col(c) for c in ("member_id", "name", "birthday", "gender", "store_id", "level", "sms_opt_in")},
        # points grow as the member shops: each version shows more
        "phone": phone_value(pl.col("created")), "points": pl.col("_points") + (t - pl.col("created")) // (40 * DAY),
        "join_date": local_day, "update_time": t,
    }, key=pl.col("member_id")).with_columns(rows["_phone_kind"])
    source = "crm.members"
    latest = latest_versions(versions)
    idents = [idents_frame(source, latest, "member_id", PHONE, pl.col("phone"), pl.col("_phone_kind") == "own")]
    return Built(spec.CRM_MEMBERS, versions.drop("_phone_kind"), [xref_frame(source, rec["member_id"], rec["_pid"])],
                 idents)
