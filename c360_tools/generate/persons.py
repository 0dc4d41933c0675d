"""The persons behind the records: who they are, their numbers over time, households and presence.

One row per person. Phones are eras: ``phone_k`` is the person's number from ``since_k`` until the next
era starts. A recycled number is one person's first era and, years later, another person's number.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from . import vocab
from .context import DAY, Context
from .rand import HEX_LOWER, HEX_UPPER, URLSAFE, chance, choose, digits_str, int_str, pick, take, tokens, unique_ints, when

YEAR = 365 * DAY
SPARE_NUMBERS = 4096  # store phones, and receivers who are not in the data set


def build_persons(ctx: Context) -> tuple[pl.DataFrame, pl.Series]:
    """The persons, and spare mobile numbers that belong to none of them."""
    n = ctx.n_persons
    people = ctx.mix.people
    rng = ctx.rng("persons")
    gender = rng.choice(np.array([1, 2], dtype=np.int8), size=n, p=[0.48, 0.52])
    frame = pl.DataFrame({
        "pid": np.arange(n, dtype=np.int32),
        "person_id": "P" + digits_str(np.arange(n), max(7, len(str(n - 1)))),
        "gender": gender,
        "name": _names(rng, gender),
        "wx_nick": when(chance(rng, 0.6, n), choose(rng, vocab.NICKNAMES, n)),
        "unionid": when(chance(rng, people.p_unionid, n), "oUn1d" + tokens(rng, n, 23, URLSAFE)),
        "birthday": _birthdays(rng, n, people.p_month_day_birthday),
    })
    numbers = mobile_numbers(ctx.rng("phones"), 3 * n + SPARE_NUMBERS)
    frame = frame.with_columns(_phone_eras(ctx, rng, n, numbers))
    frame = frame.with_columns(_emails(rng, n, people.emails_per_person))
    frame = frame.with_columns(_households(rng, n, people.household_sizes))
    frame = frame.with_columns(_presence(ctx, rng, n))
    return frame.with_columns(_app_devices(rng, frame)), numbers.slice(3 * n)


def _names(rng: np.random.Generator, gender: np.ndarray) -> pl.Series:
    n = len(gender)
    surname = when(chance(rng, 0.01, n), choose(rng, vocab.COMPOUND_SURNAMES, n), choose(rng, vocab.SURNAMES, n))
    male = gender == 1
    first = when(male, choose(rng, vocab.GIVEN_MALE, n), choose(rng, vocab.GIVEN_FEMALE, n))
    second = when(male, choose(rng, vocab.GIVEN_MALE, n), choose(rng, vocab.GIVEN_FEMALE, n))
    second = when(chance(rng, 0.6, n), second, pl.repeat("", n, eager=True))
    return (surname + first + second).alias("name")


def _birthdays(rng: np.random.Generator, n: int, p_month_day: float) -> pl.Series:
    """``YYYY-MM-DD``, or ``--MM-DD`` for persons whose birth year nobody knows."""
    days = (np.datetime64("1960-01-01") - np.datetime64("1970-01-01")).astype(int) + rng.integers(0, 46 * 365, n)
    iso = pl.Series(days.astype(np.int32)).cast(pl.Date).dt.strftime("%Y-%m-%d")
    return when(chance(rng, p_month_day, n), "--" + iso.str.slice(5), iso).alias("birthday")


def mobile_numbers(rng: np.random.Generator, n: int) -> pl.Series:
    """``n`` distinct mainland mobile numbers, never one of the placeholders."""
    prefixes = vocab.MOBILE_PREFIXES
    u = unique_ints(rng, n + len(vocab.PHONE_PLACEHOLDERS), 0, len(prefixes) * 10**8)
    numbers = take(prefixes, u // 10**8) + digits_str(u % 10**8, 8)
    numbers = numbers.filter(~numbers.is_in(list(vocab.PHONE_PLACEHOLDERS)))
    return numbers.head(n)


def _phone_eras(ctx: Context, rng: np.random.Generator, n: int, numbers: pl.Series) -> list[pl.Series]:
    people = ctx.mix.people
    counts = pick(rng, people.phones_per_person, n).astype(np.int8)
    phone = [numbers.slice(k * n, n) for k in range(3)]
    t0, t_hist = ctx.t0, ctx.t_history
    since = np.zeros((3, n), dtype=np.int64)
    since[1] = rng.integers(t_hist + 180 * DAY, t0 - 60 * DAY, n)
    since[2] = since[1] + ((t0 - since[1]) * rng.uniform(0.2, 0.95, n)).astype(np.int64)
    # some take their newest number during the window: their later records show it
    weights = people.phones_per_person
    share_multi = 1 - weights.get(1, 0) / sum(weights.values())
    in_window = chance(rng, min(1.0, people.p_phone_switch_in_window / max(share_multi, 1e-9)), n) & (counts >= 2)
    newest = np.where(counts == 3, 2, 1)
    rows = np.flatnonzero(in_window)
    since[newest[rows], rows] = t0 + rng.integers(DAY // 2, ctx.days * DAY, len(rows))
    since[1] = np.where(counts == 3, np.minimum(since[1], since[2] - DAY), since[1])
    phone[0] = _recycle_numbers(ctx, rng, counts, phone[0], since)
    columns = []
    for k in range(3):
        present = counts > k
        columns.append(when(present, phone[k]).alias(f"phone{k}"))
        columns.append(when(present, pl.Series(since[k])).alias(f"since{k}"))
    columns.append(pl.Series("n_phones", counts))
    return columns


def _recycle_numbers(ctx, rng, counts, first: pl.Series, since) -> pl.Series:
    """Give a few one-number persons the first number of someone who left it years ago."""
    n = len(counts)
    donors = np.flatnonzero((counts >= 2) & (since[1] < ctx.t0 - 3 * YEAR))
    takers = np.flatnonzero(counts == 1)
    k = min(len(donors), len(takers), int(round(n * ctx.mix.people.p_recycled_phone)))
    if k == 0:
        return first
    donors = rng.choice(donors, k, replace=False)
    takers = rng.choice(takers, k, replace=False)
    since[0, takers] = since[1, donors] + rng.integers(YEAR, 2 * YEAR, k)
    return first.scatter(takers, first.gather(donors))


def _emails(rng: np.random.Generator, n: int, per_person: dict) -> list[pl.Series]:
    """Distinct addresses: the (syllable, syllable, number) triple or the QQ number is unique."""
    counts = pick(rng, per_person, n)
    s = len(vocab.PINYIN)
    u = unique_ints(rng, 2 * n, 0, s * s * 100_000)
    pinyin = (take(vocab.PINYIN, u // (s * 100_000)) + choose(rng, ("", "", ".", "_"), 2 * n)
              + take(vocab.PINYIN, (u // 100_000) % s) + int_str(u % 100_000) + "@"
              + choose(rng, vocab.EMAIL_DOMAINS, 2 * n))
    qq = int_str(unique_ints(rng, 2 * n, 100_000_000, 4_000_000_000)) + "@qq.com"
    email = when(chance(rng, 0.3, 2 * n), qq, pinyin)
    return [when(counts > k, email.slice(k * n, n)).alias(f"email{k}") for k in range(2)]


def _households(rng: np.random.Generator, n: int, sizes: dict) -> list[pl.Series]:
    """Consecutive persons form households; a household shares a place and an address."""
    size = pick(rng, sizes, n).astype(np.int64)
    starts = np.cumsum(size) - size
    starts = starts[starts < n]
    household = np.zeros(n, dtype=np.int64)
    household[starts] = 1
    household = np.cumsum(household) - 1
    h = int(household[-1]) + 1
    weights = np.asarray([p[3] for p in vocab.PLACES], dtype=float)
    place = rng.choice(len(vocab.PLACES), size=h, p=weights / weights.sum())
    n_districts = np.asarray([len(p[2]) for p in vocab.PLACES])
    first_district = np.cumsum(n_districts) - n_districts
    district = first_district[place] + rng.integers(0, 1 << 30, h) % n_districts[place]
    address = (choose(rng, vocab.ROADS, h) + int_str(rng.integers(1, 999, h)) + "号" + choose(rng, vocab.ESTATES, h)
               + int_str(rng.integers(1, 30, h)) + "栋" + int_str(rng.integers(1, 6, h)) + "单元"
               + int_str(rng.integers(1, 33, h) * 100 + rng.integers(1, 50, h)) + "室")
    return [
        pl.Series("household", household),
        take([p[0] for p in vocab.PLACES], place[household]).alias("province"),
        take([p[1] for p in vocab.PLACES], place[household]).alias("city"),
        take([d for p in vocab.PLACES for d in p[2]], district[household]).alias("district"),
        address.gather(household).alias("address"),
    ]


def _presence(ctx: Context, rng: np.random.Generator, n: int) -> list[pl.Series]:
    people = ctx.mix.people
    flags = {f"in_{k}": chance(rng, p, n) for k, p in people.presence.items()}
    crm_members = np.where(flags["in_crm"], 1 + chance(rng, people.p_crm_second_membership, n), 0)
    followers = np.where(flags["in_wecom"], 1 + chance(rng, people.p_wecom_second_follower, n), 0)
    sharer = flags["in_mp"] & chance(rng, people.p_sharer_of_mp_users, n)
    return [pl.Series(k, v) for k, v in flags.items()] + [
        pl.Series("crm_members", crm_members.astype(np.int8)),
        pl.Series("wecom_followers", followers.astype(np.int8)),
        pl.Series("is_sharer", sharer),
    ]


def device_ids(rng: np.random.Generator, n: int) -> pl.Series:
    """Android ids (16 hex) and iOS identifiers (upper-case UUIDs)."""
    android = tokens(rng, n, 16, HEX_LOWER)
    raw = tokens(rng, n, 32, HEX_UPPER)
    ios = (raw.str.slice(0, 8) + "-" + raw.str.slice(8, 4) + "-" + raw.str.slice(12, 4) + "-"
           + raw.str.slice(16, 4) + "-" + raw.str.slice(20, 12))
    return when(chance(rng, 0.55, n), android, ios)


def _app_devices(rng: np.random.Generator, frame: pl.DataFrame) -> pl.Series:
    """Each app user's devices, ``|``-joined; family members sometimes share their first device."""
    n = frame.height
    first, second = device_ids(rng, n), device_ids(rng, n)
    app = frame["in_app"].to_numpy()
    household = frame["household"].to_numpy()
    users = np.flatnonzero(app)
    same_home = np.zeros(len(users), dtype=bool)
    same_home[1:] = household[users[1:]] == household[users[:-1]]
    sharing = same_home & chance(rng, 0.5, len(users))
    if same_home.any() and not sharing.any():  # a small data set still shows a family device
        sharing[rng.choice(np.flatnonzero(same_home))] = True
    source = np.arange(n)
    for i in np.flatnonzero(sharing):  # a few per thousand persons
        source[users[i]] = source[users[i - 1]]
    first = first.gather(source)
    devices = when(chance(rng, 0.35, n), first + "|" + second, first)
    return when(app, devices).alias("app_devices")
