"""`c360 serve` over a published version of generated data (the nightly job on 400 persons): lookups by
every identifier kind, the contract's phone forms, masking by the key's scope, 401/404/422, an access log
without identifiers, a publish during lookups, and customer_events reconciled with orders and after-sales
by queries written apart from the models."""

from __future__ import annotations

import logging
import shutil
import threading
import time
import urllib.parse
from pathlib import Path

import duckdb
import pytest
from serving import FULL_KEY, MASKED_KEY, get, running_service

from orchestration.lib.masking import mask_name, mask_phone
from orchestration.lib.settings import Paths
from orchestration.lib.warehouse import Warehouse
from orchestration.publish.swap import publish
from orchestration.serve.access_log import ACCESS_LOGGER
from orchestration.serve.kinds import KINDS_SEED

pytestmark = pytest.mark.slow  # the nightly job on 400 persons (shared with the personal-data scan): ~60 s


@pytest.fixture(scope="module")
def paths(generated_night) -> Paths:
    return generated_night.paths


@pytest.fixture(scope="module")
def service(paths):
    with running_service(paths.data_dir) as url:
        yield url


def query(path: Path, sql: str, parameters: list | None = None) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, parameters or []).fetchall()


def lookup(service: str, key: str | None = MASKED_KEY, **identifier: str):
    return get(f"{service}/v1/lookup?{urllib.parse.urlencode(identifier)}", key)


def sole_owner_values(paths: Paths) -> dict[str, tuple[str, str]]:
    """Per lookup kind, one identifier value (from customer_identifiers, not the lookup index) that
    exactly one customer has, and that customer."""
    with duckdb.connect(str(paths.published), read_only=True) as con:
        con.execute("create temp table kinds as select * from read_csv(?, all_varchar = true)", [str(KINDS_SEED)])
        rows = con.execute("""
            with owners as (
                select k.kind, i.id_value, min(i.customer_id) as customer_id
                from c360.customer_identifiers as i join kinds as k on k.id_type = i.id_type
                group by k.kind, i.id_value
                having count(distinct i.customer_id) = 1
            )
            select kind, min(id_value), arg_min(customer_id, id_value) from owners group by kind
            union all
            select 'customer_id', min(customer_id), min(customer_id) from c360.customers
        """).fetchall()
    return {kind: (value, customer_id) for kind, value, customer_id in rows}


def test_a_lookup_by_each_identifier_kind_answers_its_customer(paths, service):
    values = sole_owner_values(paths)
    assert set(values) == {"external_userid", "phone", "unionid", "openid", "app_user_id", "web_customer_id",
                           "crm_member_id", "customer_id"}
    for kind, (value, customer_id) in values.items():
        answer = lookup(service, **{kind: value})
        assert answer.status == 200, (kind, answer.body)
        assert answer.body["customer_id"] == customer_id
        assert answer.body["matched"] == {"kind": kind, "other_customers": 0}
        by_id = get(f"{service}/v1/customers/{customer_id}", MASKED_KEY)
        assert by_id.status == 200 and by_id.body["customer_id"] == customer_id


def test_the_card_carries_profile_orders_dynamics_and_audiences(paths, service):
    [(customer_id, orders, rfm_segment)] = query(paths.published, """
        select o.customer_id, count(*), any_value(p.rfm_segment)
        from c360.orders as o join c360.customer_profiles as p using (customer_id)
        group by o.customer_id order by count(*) desc, o.customer_id limit 1""")
    card = get(f"{service}/v1/customers/{customer_id}", MASKED_KEY).body
    assert card["profile"]["rfm_segment"] == rfm_segment
    assert len(card["orders"]) == min(orders, 10)
    created = [o["created_at"] for o in card["orders"]]
    assert created == sorted(created, reverse=True)
    [(events,)] = query(paths.published, "select count(*) from c360.customer_events where customer_id = ?", [customer_id])
    assert len(card["dynamics"]) == min(events, 20) and events >= orders
    assert {e["event_type"] for e in card["dynamics"]} & {"order_placed", "order_paid", "order_completed", "order_shipped"}
    audiences = [a for (a,) in query(paths.published, "select audience from c360.audiences where customer_id = ? order by 1", [customer_id])]
    assert (card["audiences"] or []) == audiences


def test_every_written_form_of_a_phone_resolves_to_the_one_customer(paths, service):
    phone, customer_id = sole_owner_values(paths)["phone"]
    assert len(phone) == 11
    fullwidth = phone.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    forms = [phone, f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}", f"86-{phone}", f"0086{phone}", f"+86{phone}",
             f"{phone[:3]}-{phone[3:7]}-{phone[7:]}", f" {phone} ", fullwidth, f"＋８６{fullwidth}"]
    for form in forms:
        answer = lookup(service, phone=form)
        assert answer.status == 200, form
        assert answer.body["customer_id"] == customer_id


def test_a_masked_key_sees_masked_name_and_phone_only_a_full_key_sees_them(paths, service):
    [(customer_id, name, phone)] = query(paths.published, """
        select customer_id, name, phone from c360.customers
        where name is not null and phone is not null order by customer_id limit 1""")
    masked = get(f"{service}/v1/customers/{customer_id}", MASKED_KEY)
    assert masked.body["name_masked"] == mask_name(name) and masked.body["phone_masked"] == mask_phone(phone)
    assert "name" not in masked.body and "phone" not in masked.body and "birthday" not in masked.body
    assert phone not in masked.text and name not in masked.text
    full = get(f"{service}/v1/customers/{customer_id}", FULL_KEY)
    assert full.body["name"] == name and full.body["phone"] == phone
    assert full.body["name_masked"] == mask_name(name)


def test_no_key_or_a_wrong_one_is_401_and_health_needs_none(paths, service):
    customer_id = sole_owner_values(paths)["customer_id"][1]
    for key, scheme in ((None, "Bearer"), ("not-a-key", "Bearer"), (MASKED_KEY, "Basic")):
        answer = get(f"{service}/v1/customers/{customer_id}", key, scheme)
        assert answer.status == 401
        assert answer.headers.get("www-authenticate") == "Bearer"
        assert customer_id not in answer.text
    health = get(f"{service}/healthz")
    assert health.status == 200 and health.body["status"] == "ok" and health.body["published_version"] >= 1


def test_an_unknown_identifier_is_404_and_a_malformed_one_422_neither_repeating_it(paths, service):
    known = {v for (v,) in query(paths.published, "select lookup_value from c360.customer_lookup where lookup_kind = 'phone'")}
    unknown_phone = next(p for p in (f"1390000{n:04d}" for n in range(1, 10000)) if p not in known)
    answer = lookup(service, phone=unknown_phone)
    assert answer.status == 404 and answer.body["detail"] == "no customer has this phone"
    assert get(f"{service}/v1/customers/CFFFFFFFFFFFFFFF0", MASKED_KEY).status == 404
    for identifier in ({"phone": "138-abc-8000"}, {"phone": "138****8000"}, {"openid": "o'; drop table x"},
                       {"crm_member_id": ""}, {"customer_id": "not an id"}):
        answer = lookup(service, **identifier)
        assert answer.status == 422, identifier
        assert all(v not in answer.text for v in identifier.values() if v), answer.text
    assert lookup(service).status == 422  # none
    assert lookup(service, phone=unknown_phone, openid="oX").status == 422  # two
    assert lookup(service, email="a@example.com").status == 422  # not a lookup kind
    assert get(f"{service}/v1/customers/{urllib.parse.quote('C1;x')}", MASKED_KEY).status == 422


def test_the_access_log_names_no_identifier(paths, service, caplog):
    values = sole_owner_values(paths)
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER.name):
        for kind, (value, customer_id) in values.items():
            lookup(service, **{kind: value})
            get(f"{service}/v1/customers/{customer_id}", MASKED_KEY)
        lookup(service, phone="13900001111")
    lines = [r.getMessage() for r in caplog.records if r.name == ACCESS_LOGGER.name]
    assert len(lines) == 2 * len(values) + 1
    assert any(line.startswith("GET /v1/lookup kind=phone 200") for line in lines)
    assert any(line.startswith("GET /v1/customers/{customer_id} 200") for line in lines)
    for value, customer_id in values.values():
        assert not any(value in line or customer_id in line for line in lines)
    assert not any("13900001111" in line for line in lines)


def test_a_lookup_during_publishes_sees_one_whole_version_each_time(paths, tmp_path):
    """Each version marks every card (birthday 'v<version>') and points one phone at another customer;
    lookups run while four versions are published, and every answer must come from one version."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(paths.warehouse, warehouse)
    phone, _ = sole_owner_values(paths)["phone"]
    customers = [c for (c,) in query(warehouse, "select customer_id from marts.customers order by customer_id limit 5")]
    data_dir = tmp_path / "data"

    def publish_marked(version: int) -> None:
        with duckdb.connect(str(warehouse)) as con:
            con.execute("update marts.customer_cards set birthday = ?", [f"v{version}"])
            con.execute("update marts.customer_lookup set customer_id = ? where lookup_kind = 'phone' and lookup_value = ?",
                        [customers[version % len(customers)], phone])
        assert publish(Warehouse(warehouse), data_dir, check_summary={}, input_files=[]).version == version

    publish_marked(1)
    seen: list[tuple[int, str, str]] = []
    problems: list[str] = []
    stop = threading.Event()
    with running_service(data_dir) as url:
        def keep_looking_up():
            while not stop.is_set():
                answer = lookup(url, FULL_KEY, phone=phone)
                if answer.status != 200:
                    problems.append(f"{answer.status}: {answer.text}")
                    continue
                seen.append((answer.body["published_version"], answer.body["customer_id"], answer.body["birthday"]))

        clients = [threading.Thread(target=keep_looking_up) for _ in range(4)]
        for client in clients:
            client.start()
        for version in range(2, 6):
            publish_marked(version)
        final = lookup(url, FULL_KEY, phone=phone).body
        deadline = time.monotonic() + 30  # the new version opens in the background, the old one answering
        while final["published_version"] != 5 and time.monotonic() < deadline:
            time.sleep(0.05)
            final = lookup(url, FULL_KEY, phone=phone).body
        stop.set()
        for client in clients:
            client.join()
    assert not problems
    assert final["published_version"] == 5 and final["customer_id"] == customers[0] and final["birthday"] == "v5"
    assert len({v for v, _, _ in seen}) >= 2, "the service never picked up a new version"
    for version, customer_id, birthday in seen:
        assert (customer_id, birthday) == (customers[version % len(customers)], f"v{version}"), (version, customer_id, birthday)


def test_events_reconcile_with_orders_and_after_sales(paths):
    published = paths.published
    with duckdb.connect(str(published), read_only=True) as con:
        con.execute("attach ? as wh (read_only)", [str(paths.warehouse)])
        placed_mismatch = con.execute("""
            select count(*) from c360.orders as o
            full join (select order_key, customer_id, count(*) as n from c360.customer_events
                       where event_type = 'order_placed' group by all) as e using (order_key)
            where (o.customer_id is not null or e.order_key is not null)
              and (e.n is distinct from 1 or e.customer_id is distinct from o.customer_id)""").fetchone()[0]
        assert placed_mismatch == 0
        paid_orders, paid_fen = con.execute(
            "select count(*), sum(paid_amount_fen) from c360.orders where customer_id is not null and paid_amount_fen > 0").fetchone()
        paid_events, paid_event_fen = con.execute(
            "select count(*), sum(amount_fen) from c360.customer_events where event_type = 'order_paid'").fetchone()
        assert (paid_events, paid_event_fen) == (paid_orders, paid_fen) and paid_orders > 0
        statuses = dict(con.execute("""
            select o.status, count(*) from c360.orders o where o.customer_id is not null
              and o.status not in ('pending_payment', 'paid') group by 1""").fetchall())
        status_events = dict(con.execute("""
            select substr(event_type, 7), count(*) from c360.customer_events
            where event_type in ('order_shipped', 'order_completed', 'order_cancelled', 'order_refunded',
                                 'order_partially_refunded') group by 1""").fetchall())
        assert status_events == statuses
        [(aftersales, refund_fen)] = con.execute("""
            with exported as (
                select 'miniprogram:' || order_id as order_key, aftersale_id, refund_amount_fen from wh.staging.stg_miniprogram__aftersales
                union all
                select 'channels:' || order_id, aftersale_id, refund_amount_fen from wh.staging.stg_channels__aftersales
            )
            select count(*), sum(coalesce(refund_amount_fen, 0)) from exported
            join c360.orders as o using (order_key) where o.customer_id is not null""").fetchall()
        [(opened, opened_fen)] = con.execute(
            "select count(*), sum(amount_fen) from c360.customer_events where event_type = 'aftersale_opened'").fetchall()
        assert (opened, opened_fen) == (aftersales, refund_fen) and aftersales > 0
        settled_refunds = con.execute(
            "select sum(amount_fen) from c360.customer_events where event_type = 'aftersale_refunded'").fetchone()[0]
        refunded_shop = con.execute("""
            select sum(refunded_amount_fen) from c360.orders
            where customer_id is not null and channel in ('miniprogram', 'channels')""").fetchone()[0]
        assert settled_refunds >= refunded_shop  # refunds are capped at what was paid
        events_per_customer = con.execute("""
            select count(*) from c360.customer_events e left join c360.customers c using (customer_id)
            where c.customer_id is null""").fetchone()[0]
        assert events_per_customer == 0


def test_before_any_publish_health_says_so_and_lookups_are_503(tmp_path):
    with running_service(tmp_path / "empty") as url:
        health = get(f"{url}/healthz")
        assert health.status == 200 and health.body == {"status": "no_published_version", "published_version": None}
        assert lookup(url, phone="13912345678").status == 503
