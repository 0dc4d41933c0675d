"""Typed parsing of the raw cells: every value form of the contract, and the reasons rows are rejected."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestration.ingest.parse import (
    MISSING_TOKENS,
    clean_text,
    parse_date,
    parse_export,
    parse_partial_date,
    parse_timestamp,
    parse_yuan_as_decimal,
    strip_excel_marker,
)
from orchestration.ingest.reader import FIELD_COUNT_OK, ROW_NUMBER
from orchestration.ingest.schema import entities_by_name

ENTITIES = entities_by_name()
UTC = UTC


def apply(expr_fn, values):
    return pl.DataFrame({"v": values}, schema={"v": pl.String}).select(expr_fn(pl.col("v"))).to_series().to_list()


def cells(entity_name: str, rows: list[dict]) -> pl.DataFrame:
    entity = ENTITIES[entity_name]
    frame = pl.DataFrame([{c: r.get(c) for c in entity.column_names} for r in rows], schema={c: pl.String for c in entity.column_names})
    return frame.with_columns(pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias(ROW_NUMBER), pl.lit(True).alias(FIELD_COUNT_OK))


SHANGHAI_10AM = datetime(2026, 10, 5, 2, 0, 0, tzinfo=UTC)  # 2026-10-05 10:00:00 +08:00


@pytest.mark.parametrize(
    "text",
    ["2026-10-05 10:00:00", "2026/10/05 10:00:00", "2026-10-05 10:00", "2026-10-05T10:00:00+08:00", "2026-10-05T02:00:00Z",
     "2026-10-05T12:00:00+10:00", "2026-10-05 10:00:00.000", "1791165600"],
)
def test_every_timestamp_form_is_the_same_instant(text):
    assert apply(parse_timestamp, [text]) == [SHANGHAI_10AM]


@pytest.mark.parametrize("text", ["2026-13-05 10:00:00", "2026-02-30 10:00", "yesterday", "179116560", "05/10/2026 10:00"])
def test_impossible_timestamps_do_not_parse(text):
    assert apply(parse_timestamp, [text]) == [None]


@pytest.mark.parametrize(("text", "expected"), [("2026-10-05", date(2026, 10, 5)), ("2026/10/05", date(2026, 10, 5)), ("20261005", date(2026, 10, 5)), ("2026-10-32", None)])
def test_dates(text, expected):
    assert apply(parse_date, [text]) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1990-02-03", "1990-02-03"), ("19900203", "1990-02-03"), ("02-03", "--02-03"), ("2月3日", "--02-03"), ("02月29日", "--02-29"), ("13-01", None), ("02-30", None)],
)
def test_birthdays_may_be_month_and_day_only(text, expected):
    assert apply(parse_partial_date, [text]) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1299.00", Decimal("1299.00")), ("¥1,299.50", Decimal("1299.50")), ("￥ 12", Decimal("12.00")), ("0.1", Decimal("0.10")), ("1.234", None), ("12a", None)],
)
def test_yuan_is_exact(text, expected):
    assert apply(parse_yuan_as_decimal, [text]) == [expected]


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=99))
def test_yuan_to_fen_never_loses_a_fen(yuan, fen):
    text = f"¥{yuan:,}.{fen:02d}"
    (value,) = apply(parse_yuan_as_decimal, [text])
    assert int(value * 100) == yuan * 100 + fen


@pytest.mark.parametrize(("text", "expected"), [("'12345678901234567890", "12345678901234567890"), ('="0012345"', "0012345"), ("plain", "plain")])
def test_excel_text_markers_are_stripped(text, expected):
    assert apply(strip_excel_marker, [text]) == [expected]


@pytest.mark.parametrize("token", MISSING_TOKENS + ["  NULL ", " "])
def test_missing_value_tokens_become_null(token):
    assert apply(clean_text, [token]) == [None]


def test_valid_order_line_parses_to_typed_values():
    row = {
        "order_id": "'37225843743379931325", "line_no": "1", "create_time": "1791165600", "update_time": "2026-10-05 10:00",
        "status": "100", "buyer_openid": "oCh1", "product_id": "P1", "quantity": "2", "unit_price_fen": "1000",
        "paid_amount_fen": "1800", "freight_fen": "N/A", "is_present": "1", "promotion_type": "coupon",
    }
    parsed = parse_export(cells("channels/orders", [row]), ENTITIES["channels/orders"])
    assert parsed.rejects.height == 0
    out = parsed.rows.row(0, named=True)
    assert out["order_id"] == "37225843743379931325"
    assert out["line_no"] == 1 and out["paid_amount_fen"] == 1800 and out["freight_fen"] is None
    assert out["is_present"] is True
    assert out["create_time"] == out["update_time"] == SHANGHAI_10AM


@pytest.mark.parametrize(
    ("overrides", "reason", "column"),
    [
        ({"order_id": "4.2000012E+19"}, "scientific_order_id", "order_id"),
        ({"order_id": None}, "required_missing", "order_id"),
        ({"unit_price_fen": "12.5"}, "unparseable_amount", "unit_price_fen"),
        ({"freight_fen": "abc"}, "unparseable_amount", "freight_fen"),
        ({"quantity": "two"}, "unparseable_number", "quantity"),
        ({"create_time": "2026-10-05 25:00:00"}, "unparseable_timestamp", "create_time"),
        ({"status": "999"}, "invalid_enum_value", "status"),
        ({"is_present": "maybe"}, "unparseable_bool", "is_present"),
        # a missing required value is reported before a type problem in an earlier column
        ({"create_time": "bad", "buyer_openid": "NULL"}, "required_missing", "buyer_openid"),
    ],
)
def test_bad_rows_are_rejected_with_the_right_reason_and_the_rest_load(overrides, reason, column):
    good = {"order_id": "1001", "line_no": "1", "create_time": "2026-10-05 10:00:00", "update_time": "2026-10-05 10:00:00",
            "status": "20", "buyer_openid": "oMp1", "product_id": "P1", "quantity": "1", "unit_price_fen": "100", "paid_amount_fen": "100"}
    frame = cells("miniprogram/orders", [good, {**good, "order_id": "1002", **overrides}, {**good, "order_id": "1003"}])
    parsed = parse_export(frame, ENTITIES["miniprogram/orders"])
    assert parsed.rows["_row_number"].to_list() == [1, 3]
    (reject,) = parsed.rejects.iter_rows(named=True)
    assert (reject["_row_number"], reject["reason"], reject["column"]) == (2, reason, column)
    raw = json.loads(reject["raw_text"])
    assert raw["order_id"] == overrides.get("order_id", "1002")
    assert raw["line_no"] == "1"


def test_wrong_field_count_wins_over_everything():
    frame = cells("miniprogram/users", [{"openid": "oMp1", "register_time": "x", "update_time": "2026-10-05 10:00"}])
    frame = frame.with_columns(pl.lit(False).alias(FIELD_COUNT_OK))
    parsed = parse_export(frame, ENTITIES["miniprogram/users"])
    assert parsed.rejects["reason"].to_list() == ["wrong_field_count"]
    assert parsed.rejects["record_key"].to_list() == ["oMp1"]


def test_lists_split_on_their_declared_separators():
    rows = [{"external_userid": "wm1", "follow_userid": "u1", "add_time": "2026-10-05 10:00", "update_time": "2026-10-05 10:00",
             "remark_mobiles": "13800138001, 13900139002；13700137003;13600136004，13500135005", "tags": "VIP|老客| "}]
    parsed = parse_export(cells("wecom/contacts", rows), ENTITIES["wecom/contacts"])
    out = parsed.rows.row(0, named=True)
    assert out["tags"] == ["VIP", "老客"]
    # the Chinese full-width semicolon is not a declared separator; the Chinese comma is
    assert out["remark_mobiles"] == ["13800138001", "13900139002；13700137003", "13600136004", "13500135005"]


def test_official_account_tag_lists_with_and_without_brackets():
    base = {"openid": "oOa1", "subscribe": "1", "update_time": "2026-10-05 10:00"}
    parsed = parse_export(cells("official_account/followers", [{**base, "tagid_list": "[2,101]"}, {**base, "openid": "oOa2", "tagid_list": "2,101"}]),
                          ENTITIES["official_account/followers"])
    assert parsed.rows["tagid_list"].to_list() == [["2", "101"], ["2", "101"]]


@pytest.mark.parametrize(("text", "expected"), [("是", True), ("否", False), ("Y", True), ("n", False), ("true", True), ("FALSE", False), ("1", True), ("0", False)])
def test_crm_sms_opt_in_spellings(text, expected):
    row = {"member_id": "M1", "join_date": "2020-01-01", "update_time": "2026-10-05 10:00", "sms_opt_in": text}
    parsed = parse_export(cells("crm/members", [row]), ENTITIES["crm/members"])
    assert parsed.rows["sms_opt_in"].to_list() == [expected]


@pytest.mark.parametrize("device_id", ["95941962e1331", "9e13310000000000", "1234E5678"])
def test_hex_ids_that_look_numeric_are_not_mistaken_for_scientific_notation(device_id):
    row = {"order_id": "A1", "user_id": "U1", "create_time": "2026-10-05 10:00", "update_time": "2026-10-05 10:00",
           "status": "paid", "total_yuan": "10.00", "device_id": device_id}
    parsed = parse_export(cells("app/orders", [row]), ENTITIES["app/orders"])
    assert parsed.rejects.height == 0
    assert parsed.rows["device_id"].to_list() == [device_id]
