"""How values are written out: every timestamp, date, money, phone and email form the contract allows.

All functions build polars expressions, so a whole column is dressed at once.
"""

from __future__ import annotations

import polars as pl

from .context import SHANGHAI_OFFSET

TS_FORMATS = ("dash", "slash", "minute", "iso_offset", "iso_z", "unix")
DATE_FORMATS = ("dash", "slash", "compact")
PHONE_VARIANTS = ("plain", "dashes", "spaces", "plus86_spaces", "plus86", "cc86_dash", "cc0086", "plus86_dashes",
                  "padded", "fullwidth", "dash_space")
EMAIL_VARIANTS = ("lower", "upper", "capitalized", "padded")

_FULLWIDTH = [chr(0xFF10 + d) for d in range(10)]


def timestamp(epoch_seconds: pl.Expr, fmt: str) -> pl.Expr:
    """Epoch seconds as text; every form without an offset is Asia/Shanghai local time."""
    utc = pl.from_epoch(epoch_seconds, time_unit="s")
    local = pl.from_epoch(epoch_seconds + SHANGHAI_OFFSET, time_unit="s")
    match fmt:
        case "dash":
            return local.dt.strftime("%Y-%m-%d %H:%M:%S")
        case "slash":
            return local.dt.strftime("%Y/%m/%d %H:%M:%S")
        case "minute":
            return local.dt.strftime("%Y-%m-%d %H:%M")
        case "iso_offset":
            return local.dt.strftime("%Y-%m-%dT%H:%M:%S+08:00")
        case "iso_z":
            return utc.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        case "unix":
            return epoch_seconds.cast(pl.String)
    raise ValueError(fmt)


def iso_local(epoch_seconds: pl.Expr) -> pl.Expr:
    return timestamp(epoch_seconds, "iso_offset")


def date_text(iso_date: pl.Expr, fmt: str) -> pl.Expr:
    """A ``YYYY-MM-DD`` string in one of the contract's date forms."""
    match fmt:
        case "dash":
            return iso_date
        case "slash":
            return iso_date.str.replace_all("-", "/")
        case "compact":
            return iso_date.str.replace_all("-", "")
    raise ValueError(fmt)


def month_day_text(iso_month_day: pl.Expr, fmt: str) -> pl.Expr:
    """``--MM-DD`` as ``MM-DD`` or ``MM月DD日``."""
    month, day = iso_month_day.str.slice(2, 2), iso_month_day.str.slice(5, 2)
    if fmt == "MM-DD":
        return month + "-" + day
    return month + "月" + day + "日"


def yuan_text(fen: pl.Expr, prefix: pl.Expr, thousands: pl.Expr, no_decimals: pl.Expr) -> pl.Expr:
    """Integer fen as yuan: ``1299.00``, ``¥1,299.00``, ``￥286``."""
    whole = (fen // 100).cast(pl.String)
    cents = (fen % 100).cast(pl.String).str.zfill(2)
    n = whole.str.len_chars()
    grouped = pl.when(thousands & (n > 3)).then(
        pl.when(n > 6).then(whole.str.slice(0, n - 6) + "," + whole.str.slice(n - 6, 3) + "," + whole.str.slice(n - 3))
        .otherwise(whole.str.slice(0, n - 3) + "," + whole.str.slice(n - 3))
    ).otherwise(whole)
    body = pl.when(no_decimals & (fen % 100 == 0)).then(grouped).otherwise(grouped + "." + cents)
    return prefix + body


def phone_text(number: pl.Expr, variant: str) -> pl.Expr:
    """An 11-digit mobile number as a person or an export might type it."""
    a, b, c = number.str.slice(0, 3), number.str.slice(3, 4), number.str.slice(7, 4)
    match variant:
        case "plain":
            return number
        case "dashes":
            return a + "-" + b + "-" + c
        case "spaces":
            return a + " " + b + " " + c
        case "plus86_spaces":
            return "+86 " + a + " " + b + " " + c
        case "plus86":
            return "+86" + number
        case "cc86_dash":
            return "86-" + number
        case "cc0086":
            return "0086" + number
        case "plus86_dashes":
            return "+86-" + a + "-" + b + "-" + c
        case "padded":
            return " " + number + " "
        case "fullwidth":
            return number.str.replace_many([str(d) for d in range(10)], _FULLWIDTH)
        case "dash_space":
            return a + "-" + b + " " + c
    raise ValueError(variant)


def phone_any(number: pl.Expr, variant_index: pl.Expr) -> pl.Expr:
    """Each mobile number in the variant its row drew; anything that is not a mobile stays as it is."""
    expr = pl.when(variant_index == 0).then(phone_text(number, PHONE_VARIANTS[0]))
    for i, variant in enumerate(PHONE_VARIANTS[1:], start=1):
        expr = expr.when(variant_index == i).then(phone_text(number, variant))
    is_mobile = number.str.contains(r"^1\d{10}$")
    return pl.when(is_mobile).then(expr.otherwise(number)).otherwise(number)


def email_text(email: pl.Expr, variant: str) -> pl.Expr:
    match variant:
        case "lower":
            return email
        case "upper":
            return email.str.to_uppercase()
        case "capitalized":
            return email.str.slice(0, 1).str.to_uppercase() + email.str.slice(1)
        case "padded":
            return " " + email + " "
    raise ValueError(variant)


def email_any(email: pl.Expr, variant_index: pl.Expr) -> pl.Expr:
    expr = pl.when(variant_index == 0).then(email_text(email, EMAIL_VARIANTS[0]))
    for i, variant in enumerate(EMAIL_VARIANTS[1:], start=1):
        expr = expr.when(variant_index == i).then(email_text(email, variant))
    return expr.otherwise(email)
