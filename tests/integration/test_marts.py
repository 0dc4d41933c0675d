"""The published marts on the labelled sample: orders, sharers and the golden record against the truth,
and the columns published.yaml promises. Uses the runs of test_identity (one pipeline, shared)."""

from __future__ import annotations

import duckdb
import pytest
from integration.test_identity_runs import pytestmark, sample_runs  # noqa: F401  (pytestmark: the same skip)

PUBLISHED_COLUMNS = {
    "customers": ["customer_id", "name", "phone", "email", "birthday", "gender", "first_seen_at", "last_seen_at"],
    "customer_xref": ["customer_id", "source", "source_key"],
    "customer_identifiers": ["customer_id", "id_type", "id_value"],
    "customer_id_history": ["old_customer_id", "customer_id", "changed_at"],
    "orders": ["order_key", "channel", "order_id", "customer_id", "created_at", "status", "paid_amount_fen",
               "refunded_amount_fen", "net_amount_fen", "promotion_type", "sharer_id"],
    "sharers": ["sharer_id", "customer_id", "sharer_type", "store_id", "store_name", "order_count", "sales_fen",
                "cumulative_commission_fen"],
}


@pytest.fixture(scope="module")
def runs():
    return sample_runs()


@pytest.mark.parametrize("table", sorted(PUBLISHED_COLUMNS))
def test_marts_have_the_published_columns(runs, table):
    with duckdb.connect(str(runs.warehouse), read_only=True) as con:
        columns = [r[0] for r in con.execute(f"describe marts.{table}").fetchall()]
    assert set(PUBLISHED_COLUMNS[table]) <= set(columns)


def test_every_truth_order_is_present_with_its_status_money_and_person(runs):
    r = runs.report
    assert r.orders_present == r.truth_orders, r.sample_failures
    assert r.orders_status_exact == r.truth_orders, r.sample_failures
    assert r.orders_money_exact == r.truth_orders, r.sample_failures
    assert r.orders_attributed == r.truth_orders, r.sample_failures
    assert r.orders_sharer_exact == r.truth_orders


def test_every_sharer_has_exact_figures_and_person(runs):
    r = runs.report
    assert r.sharers_present == r.truth_sharers
    assert r.sharers_exact == r.truth_sharers
    assert r.sharers_person_exact == r.truth_sharers


def test_gift_orders_belong_to_the_buyer_and_guest_orders_to_their_guest(runs):
    with duckdb.connect(str(runs.warehouse), read_only=True) as con:
        wrong_guests = con.execute(
            """select count(*) from marts.orders o
               join staging.stg_web__orders w on o.order_key = 'web:' || w.order_id
               join marts.customer_xref x on x.source = 'web.guests' and x.source_key = w.order_id
               where w.customer_id is null and o.customer_id is distinct from x.customer_id""").fetchone()[0]
        gifts = con.execute(
            """select count(*), count(*) filter (where o.customer_id = x.customer_id) from marts.orders o
               join staging.stg_miniprogram__orders m on o.order_key = 'miniprogram:' || m.order_id and m.line_no = 1
               join marts.customer_xref x on x.source = 'miniprogram.buyers' and x.source_key = m.buyer_openid
               where m.is_present""").fetchone()
    assert wrong_guests == 0
    assert gifts[0] > 0 and gifts[0] == gifts[1]


def test_money_adds_up_on_every_order(runs):
    with duckdb.connect(str(runs.warehouse), read_only=True) as con:
        bad = con.execute(
            """select count(*) from marts.orders
               where net_amount_fen <> paid_amount_fen - refunded_amount_fen
                  or refunded_amount_fen > paid_amount_fen
                  or (status in ('pending_payment', 'cancelled') and paid_amount_fen <> 0)
                  or (status = 'refunded' and refunded_amount_fen <> paid_amount_fen)
                  or (status = 'partially_refunded' and not refunded_amount_fen between 1 and paid_amount_fen - 1)"""
        ).fetchone()[0]
    assert bad == 0


def test_golden_record_agrees_with_the_persons(runs):
    golden = runs.report.golden
    for attribute, floor in {"phone": 0.99, "email": 0.99, "gender": 0.99, "birthday": 0.9, "name": 0.6}.items():
        agree, compared = golden[attribute]
        assert compared > 0 and agree / compared >= floor, (attribute, agree, compared)


def test_golden_record_values_are_in_their_published_forms(runs):
    with duckdb.connect(str(runs.warehouse), read_only=True) as con:
        bad = con.execute(
            r"""select count(*) from marts.customers
                where (phone is not null and not regexp_full_match(phone, '1[3-9][0-9]{9}|\+[1-9][0-9]{6,14}'))
                   or (email is not null and email <> lower(email))
                   or (birthday is not null and not regexp_full_match(birthday, '[0-9]{4}-[0-9]{2}-[0-9]{2}|--[0-9]{2}-[0-9]{2}'))
                   or gender not in ('male', 'female', 'unknown')"""
        ).fetchone()[0]
    assert bad == 0
