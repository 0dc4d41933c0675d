"""The card a lookup answers, from the customer's row of the published customer_cards: the person's name
and phone masked (and also unmasked for a key of scope ``full``), the profile's features, the sharer
figures (the columns whose name says sharer), and the published lists (orders, dynamics, audiences)
passed on as they are."""

from __future__ import annotations

import json
from datetime import date

from ..quality.masking import mask_name, mask_phone
from .auth import ApiKey

PERSON_COLUMNS = ("customer_id", "name", "phone", "birthday", "gender", "last_order_at")
LISTS_COLUMN = "lists_json"


def _masked(mask, value: str | None) -> str | None:
    return mask(value) if value else None


def _json_value(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def card_document(row: dict, key: ApiKey, published_version: int | None, matched: dict | None = None) -> bytes:
    """The card as JSON bytes: the customer's own fields, then the profile and sharer sections, then the lists."""
    card = {
        "customer_id": row["customer_id"],
        "published_version": published_version,
        "name_masked": _masked(mask_name, row["name"]),
        "phone_masked": _masked(mask_phone, row["phone"]),
    }
    if key.sees_unmasked:
        card.update(name=row["name"], phone=row["phone"], birthday=row["birthday"])
    if matched is not None:
        card["matched"] = matched
    features = {c: _json_value(v) for c, v in row.items() if c not in PERSON_COLUMNS and c != LISTS_COLUMN}
    card.update(
        gender=row["gender"],
        last_order_at=row["last_order_at"],
        profile={c: v for c, v in features.items() if "sharer" not in c},
        sharer={c: v for c, v in features.items() if "sharer" in c},
    )
    own = json.dumps(card, ensure_ascii=False)
    return f"{own[:-1]}, {row[LISTS_COLUMN][1:]}".encode("utf-8")
