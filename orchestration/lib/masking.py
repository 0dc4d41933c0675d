"""Masking personal data (phones, emails, names, addresses) wherever values leave the warehouse:
logs, run metadata, quality reports, error messages."""

from __future__ import annotations

import re

_PHONE = re.compile(r"(?<!\d)(\+?\d[\d \-]{5,}\d)(?!\d)")
_FULLWIDTH_DIGITS = re.compile(r"[０-９]{7,}")
# An ISO date (a file's name, a partition) is not a phone, though its digits run as long as one.
_ISO_DATE = re.compile(r"(?<![\d\-])(?:19|20)\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?![\d\-])")
_EMAIL = re.compile(r"([A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]*@([A-Za-z0-9.\-]+\.[A-Za-z]{2,})")


def mask_phone(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    if len(digits) < 7:
        return value
    return f"{digits[:3]}****{digits[-2:]}"


def mask_email(value: str) -> str:
    return _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", value)


def mask_name(value: str) -> str:
    value = value.strip()
    return value[:1] + "*" * max(len(value) - 1, 1) if value else value


def mask_text(text: str) -> str:
    """Every phone-like digit run and email address in free text, masked."""
    text = mask_email(text)
    text = _FULLWIDTH_DIGITS.sub("＊＊＊", text)
    dates = _ISO_DATE.findall(text)
    text = _ISO_DATE.sub("\0", text)
    text = _PHONE.sub(lambda m: mask_phone(m.group(1)), text)
    return re.sub("\0", lambda _: dates.pop(0), text)


def mask_address(value: str) -> str:
    return value[:2] + "…" if value else value


# The personal columns of the exports and the published tables, by how they are masked.
PERSONAL_COLUMNS = {
    **dict.fromkeys(["phone", "receiver_phone", "guest_phone", "remark_mobiles"], mask_phone),
    **dict.fromkeys(["email", "guest_email"], mask_email),
    **dict.fromkeys(["name", "nickname", "receiver_name", "remark", "follow_user_name", "description"], mask_name),
    **dict.fromkeys(["address"], mask_address),
}


def mask_value(column: str, value: object) -> object:
    """A value of a known personal column masked by its kind; any other text with free-text masking."""
    if value is None or not isinstance(value, str):
        return value
    mask = PERSONAL_COLUMNS.get(column.lower())
    return mask(value) if mask else mask_text(value)
