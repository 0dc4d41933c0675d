"""The sidebar page at ``/``: one self-contained HTML file (no external assets: the WeCom sidebar may
have no internet), with the lookup kinds of the seed filled in."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from .kinds import lookup_kinds

PAGE_FILE = Path(__file__).with_name("page.html")
KINDS_PLACEHOLDER = "/*KINDS*/[]"


@cache
def sidebar_page() -> str:
    kinds = json.dumps(list(lookup_kinds()))
    return PAGE_FILE.read_text(encoding="utf-8").replace(KINDS_PLACEHOLDER, kinds)
