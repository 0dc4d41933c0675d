"""The card a lookup answers: the published card of the customer (card_json, passed on as it is) with
the person's name and phone masked, or also unmasked for a key of scope ``full``."""

from __future__ import annotations

import json

from ..lib.masking import mask_name, mask_phone
from .auth import ApiKey
from .store import CardRow


def _masked(mask, value: str | None) -> str | None:
    return mask(value) if value else None


def card_document(row: CardRow, key: ApiKey, published_version: int | None, matched: dict | None = None) -> bytes:
    """The card as JSON bytes: the customer's own fields first, then the published card's fields."""
    head = {
        "customer_id": row.customer_id,
        "published_version": published_version,
        "name_masked": _masked(mask_name, row.name),
        "phone_masked": _masked(mask_phone, row.phone),
    }
    if key.sees_unmasked:
        head.update(name=row.name, phone=row.phone, birthday=row.birthday)
    if matched is not None:
        head["matched"] = matched
    own = json.dumps(head, ensure_ascii=False)
    return f"{own[:-1]}, {row.card_json[1:]}".encode()
