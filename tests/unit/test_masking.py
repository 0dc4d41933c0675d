"""Free-text masking: phones and emails masked, the dates in file names kept (messages name the file)."""

from __future__ import annotations

import pytest

from orchestration.lib.masking import mask_text


@pytest.mark.parametrize(
    ("text", "kept", "hidden"),
    [
        ("erasure/2026-10-20.csv line 1: bad header", "erasure/2026-10-20.csv line 1", None),
        ("app/orders/2026-10-01_manual_export.csv row 3: 13800138001", "app/orders/2026-10-01_manual_export.csv row 3", "13800138001"),
        ("paid 2026-10-01 10:00:00 by 138-0013-8001", "2026-10-01 10:00:00", "0013-8001"),
        ("zhang.san@example.com on 2026-10-02", "2026-10-02", "zhang.san@example.com"),
        ("not a date: 2026-13-45", None, "2026-13-45"),
    ],
)
def test_dates_stay_readable_and_personal_values_do_not(text, kept, hidden):
    masked = mask_text(text)
    if kept:
        assert kept in masked
    if hidden:
        assert hidden not in masked
