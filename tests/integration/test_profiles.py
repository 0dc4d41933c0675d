"""The customer 360 profile, its audiences and the churn backtest on a tiny warehouse built by hand.

Ten customers, a dozen orders, nine messages and four after-sales, written below as the marts and staging
tables the profile models read (nothing upstream of them runs). The right answers are worked out by hand
from the data and the documented rules (customer_profiles.yml), not from the models; the one formula,
the churn probability, is re-computed here from its published definition (modified BG/NBD).

    as of 2026-10-20 (Asia/Shanghai; var as_of_date)
    C01  4 purchases + 1 cancelled, first in a Channels live room, then the mini program; an open after-sale
    C02  one app purchase on 2026-03-01; a WeCom contact (three employees, one deleted); two devices, one shared
    C03  two web purchases (one refunded); SMS opt-in; birthday --10-23
    C04  one Channels purchase at 00:30 local on the as-of date (16:30 UTC the day before); born 2000-02-29
    C05  a big purchase on 2026-03-20 and a small one on 04-01; the top sharer; SMS opt-in but no mobile
    C06  only a cancelled order; a sharer          C07  no order; app push; birthday today
    C08  no order; a phone shared with C09 (links for C08)   C09  birthday in 5 days, unreachable   C10  nothing
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.dbt.project import dbt_executable
from orchestration.lib.settings import DBT_PROJECT_DIR

AS_OF = date(2026, 10, 20)
PROFILE_SEEDS = ["profile_rfm_segments", "profile_contact_cadence", "profile_aftersale_outcomes", "profile_recipient_types"]
SELECTION = ["path:models/intermediate/profiles", "path:models/marts/profiles"] + [
    f"path:seeds/{seed}.csv" for seed in PROFILE_SEEDS
]

WAREHOUSE_SQL = """
create schema marts; create schema staging;

create table marts.customers as select * from (values
    ('C01', '13900000001', '1990-10-19'), ('C02', null, null), ('C03', '13900000003', '--10-23'),
    ('C04', null, '2000-02-29'), ('C05', null, '--02-29'), ('C06', null, null), ('C07', null, '--10-20'),
    ('C08', null, null), ('C09', null, '--10-25'), ('C10', null, null)
) t(customer_id, phone, birthday);

create table marts.customer_xref as select * from (values
    ('C01', 'miniprogram.buyers', 'oMB1'), ('C01', 'channels.buyers', 'oCB1'), ('C01', 'web.customers', 'WC1'),
    ('C01', 'official_account.followers', 'oOA1'), ('C01', 'crm.members', 'M1'),
    ('C02', 'app.users', 'U2'), ('C02', 'wecom.contacts', 'E2'),
    ('C03', 'web.customers', 'WC3'), ('C03', 'crm.members', 'M3'), ('C03', 'official_account.followers', 'oOA3'),
    ('C04', 'channels.buyers', 'oCB4'),
    ('C05', 'miniprogram.sharers', 'oS1'), ('C05', 'miniprogram.buyers', 'oS1'), ('C05', 'app.users', 'U5'),
    ('C05', 'crm.members', 'M5'),
    ('C06', 'miniprogram.sharers', 'oS2'), ('C06', 'miniprogram.buyers', 'oMB6'),
    ('C07', 'miniprogram.sharers', 'oS3'), ('C07', 'app.users', 'U7'),
    ('C08', 'miniprogram.sharers', 'oS4'), ('C09', 'miniprogram.sharers', 'oS5'), ('C10', 'crm.members', 'M10')
) t(customer_id, source, source_key);

create table marts.customer_identifiers as select * from (values
    ('phone', '13900000003', 'C03', true, timestamptz '2026-09-01 00:00:00+08'),
    ('crm_member_id', 'M3', 'C03', true, timestamptz '2026-09-01 00:00:00+08'),
    ('oa_openid', 'oOA3', 'C03', true, timestamptz '2026-09-01 00:00:00+08'),
    ('wecom_external_userid', 'E2', 'C02', true, timestamptz '2026-09-01 00:00:00+08'),
    ('app_user_id', 'U7', 'C07', true, timestamptz '2026-09-01 00:00:00+08'),
    ('phone', '13900000009', 'C08', true, timestamptz '2026-01-01 00:00:00+08'),
    ('phone', '13900000009', 'C09', false, timestamptz '2026-06-01 00:00:00+08'),
    ('device_id', 'D1', 'C02', true, timestamptz '2026-09-01 00:00:00+08'),
    ('device_id', 'D9', 'C02', false, timestamptz '2026-09-01 00:00:00+08'),
    ('device_id', 'D9', 'C05', false, timestamptz '2026-09-01 00:00:00+08')
) t(id_type, id_value, customer_id, links, last_observed_at);

create table marts.orders as select * from (values
    ('channels:CH1', 'channels', 'CH1', 'C01', timestamptz '2026-06-01 12:00:00+08', 'completed', 10000, 0, 10000, 'live_exclusive', 'oS1'),
    ('miniprogram:MP1', 'miniprogram', 'MP1', 'C01', timestamptz '2026-09-15 20:30:00+08', 'partially_refunded', 20000, 5000, 15000, 'coupon', null),
    ('miniprogram:MP2', 'miniprogram', 'MP2', 'C01', timestamptz '2026-10-13 20:10:00+08', 'shipped', 30000, 0, 30000, 'coupon', 'oS1'),
    ('miniprogram:MP3', 'miniprogram', 'MP3', 'C01', timestamptz '2026-10-19 20:45:00+08', 'paid', 5000, 0, 5000, 'none', null),
    ('web:W1', 'web', 'W1', 'C01', timestamptz '2026-10-18 09:00:00+08', 'cancelled', 0, 0, 0, null, null),
    ('app:A1', 'app', 'A1', 'C02', timestamptz '2026-03-01 10:00:00+08', 'completed', 8000, 0, 8000, null, null),
    ('web:W2', 'web', 'W2', 'C03', timestamptz '2026-08-01 11:00:00+08', 'refunded', 3000, 3000, 0, null, null),
    ('web:W3', 'web', 'W3', 'C03', timestamptz '2026-10-05 15:00:00+08', 'completed', 4000, 0, 4000, null, null),
    ('channels:CH2', 'channels', 'CH2', 'C04', timestamptz '2026-10-20 00:30:00+08', 'completed', 50000, 0, 50000, 'flash_sale', null),
    ('miniprogram:MP6', 'miniprogram', 'MP6', 'C05', timestamptz '2026-03-20 09:00:00+08', 'completed', 70000, 0, 70000, 'none', null),
    ('miniprogram:MP4', 'miniprogram', 'MP4', 'C05', timestamptz '2026-04-01 09:00:00+08', 'completed', 2000, 0, 2000, 'group_buy', null),
    ('miniprogram:MP5', 'miniprogram', 'MP5', 'C06', timestamptz '2026-10-01 10:00:00+08', 'cancelled', 0, 0, 0, 'none', null),
    -- orders whose buyer resolved to nobody: they still count for their sharers
    ('miniprogram:G1', 'miniprogram', 'G1', null, timestamptz '2026-10-02 10:00:00+08', 'completed', 500, 0, 500, 'none', 'oS2'),
    ('miniprogram:G2', 'miniprogram', 'G2', null, timestamptz '2026-10-02 10:00:00+08', 'completed', 400, 0, 400, 'none', 'oS3'),
    ('miniprogram:G3', 'miniprogram', 'G3', null, timestamptz '2026-10-02 10:00:00+08', 'completed', 300, 0, 300, 'none', 'oS4'),
    ('miniprogram:G4', 'miniprogram', 'G4', null, timestamptz '2026-10-02 10:00:00+08', 'completed', 200, 0, 200, 'none', 'oS5'),
    ('miniprogram:G5', 'miniprogram', 'G5', null, timestamptz '2026-10-02 10:00:00+08', 'paid', 1000, 0, 1000, 'none', 'oS1'),
    ('miniprogram:G6', 'miniprogram', 'G6', null, timestamptz '2026-10-02 10:00:00+08', 'cancelled', 0, 0, 0, 'none', 'oS1'),
    ('miniprogram:G7', 'miniprogram', 'G7', null, timestamptz '2026-10-21 10:00:00+08', 'completed', 999, 0, 999, 'none', 'oS1')
) t(order_key, channel, order_id, customer_id, created_at, status, paid_amount_fen, refunded_amount_fen,
    net_amount_fen, promotion_type, sharer_id);

create table marts.sharers as select * from (values
    ('oS1', 'C05'), ('oS2', 'C06'), ('oS3', 'C07'), ('oS4', 'C08'), ('oS5', 'C09')
) t(sharer_id, customer_id);

create table staging.stg_miniprogram__orders as select * from (values
    ('MP1', '美妆'), ('MP1', '食品'), ('MP2', '食品'), ('MP3', '食品'), ('MP4', '母婴'), ('MP5', '服饰'), ('G1', '食品')
) t(order_id, category);
create table staging.stg_channels__orders as select * from (values
    ('CH1', '美妆', '2', 'live_1'), ('CH1', '美妆', '2', 'live_1'), ('CH2', '数码', '3', null)
) t(order_id, category, order_scene, live_id);
create table staging.stg_app__orders as select * from (values ('A1', '母婴', 'SAVE10', 'D1')) t(order_id, category, coupon_code, device_id);
create table staging.stg_web__orders as select * from (values
    ('W1', '服饰', null), ('W2', '母婴', null), ('W3', '服饰', null)
) t(order_id, category, coupon_code);

create table staging.stg_miniprogram__aftersales as select * from (values
    ('AS1', 'MP1', 'REFUND', 'MERCHANT_REFUND_SUCCESS', timestamptz '2026-09-20 10:00:00+08', timestamptz '2026-09-22 10:00:00+08'),
    ('AS2', 'MP2', 'RETURN', 'USER_WAIT_RETURN', timestamptz '2026-10-15 10:00:00+08', timestamptz '2026-10-15 12:00:00+08')
) t(aftersale_id, order_id, type, status, create_time, update_time);
create table staging.stg_channels__aftersales as select * from (values
    ('AS3', 'CH1', 'REFUND', 'PLATFORM_REFUNDING', timestamptz '2026-10-21 10:00:00+08', timestamptz '2026-10-21 10:00:00+08'),
    ('AS4', 'CH2', 'REFUND', 'MERCHANT_REJECT_REFUND', timestamptz '2026-10-20 09:00:00+08', timestamptz '2026-10-20 11:00:00+08')
) t(aftersale_id, order_id, type, status, create_time, update_time);

create table staging.stg_touchpoints__messages as select * from (values
    ('T1', 'sms', 'phone', '+86 139 0000 0003', timestamptz '2026-10-10 10:00:00+08', 'delivered', timestamptz '2026-10-10 10:05:00+08', timestamptz '2026-10-10 10:06:00+08'),
    ('T2', 'sms', 'member_id', 'M3', timestamptz '2026-09-01 10:00:00+08', 'delivered', null, null),
    ('T3', 'oa_template', 'oa_openid', 'oOA3', timestamptz '2026-10-12 11:00:00+08', 'delivered', timestamptz '2026-10-12 12:00:00+08', null),
    ('T4', 'wecom_private', 'external_userid', 'E2', timestamptz '2026-10-15 10:00:00+08', 'failed', null, null),
    ('T5', 'wecom_group', 'external_userid', 'E2', timestamptz '2026-08-01 10:00:00+08', 'delivered', timestamptz '2026-08-01 11:00:00+08', null),
    ('T6', 'app_push', 'app_user_id', ' U7 ', timestamptz '2026-10-18 10:00:00+08', 'delivered', timestamptz '2026-10-18 10:01:00+08', timestamptz '2026-10-18 10:02:00+08'),
    ('T7', 'sms', 'phone', '13812345678', timestamptz '2026-10-19 10:00:00+08', 'sent', null, null),
    ('T8', 'sms', 'phone', '13900000003', timestamptz '2026-10-22 10:00:00+08', 'delivered', null, null),
    ('T9', 'sms', 'phone', '139-0000-0009', timestamptz '2026-10-16 10:00:00+08', 'delivered', null, null)
) t(message_id, channel, recipient_type, recipient_id, sent_at, status, opened_at, clicked_at);
alter table staging.stg_touchpoints__messages add column campaign_id varchar;

create table staging.stg_official_account__followers as select * from (values ('oOA1', true), ('oOA3', false)) t(openid, subscribe);
create table staging.stg_wecom__contacts as select * from (values
    ('E2', 'U1', '张', timestamptz '2026-01-01 10:00:00+08', true),
    ('E2', 'U2', '李', timestamptz '2026-05-01 10:00:00+08', false),
    ('E2', 'U3', '王', timestamptz '2026-02-01 10:00:00+08', false)
) t(external_userid, follow_userid, follow_user_name, add_time, deleted);
create table staging.stg_crm__members as select * from (values ('M1', false), ('M3', true), ('M5', true), ('M10', null)) t(member_id, sms_opt_in);
create table staging.stg_app__users as select * from (values ('U2', false), ('U5', false), ('U7', true)) t(user_id, push_enabled);
"""


def dbt(warehouse: Path, target: Path, *args: str) -> None:
    result = subprocess.run(
        [dbt_executable(), *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(target), "--log-path", str(target / "logs")],
        env={**os.environ, "C360_WAREHOUSE": str(warehouse)}, cwd=DBT_PROJECT_DIR, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("profiles")
    path = folder / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(WAREHOUSE_SQL)
    # dbt build: seeds, models and every data test in their YAML must pass
    dbt(path, folder / "target", "build", "--select", *SELECTION, "--vars", f"{{as_of_date: '{AS_OF}'}}")
    return path


def rows(warehouse: Path, sql: str) -> list[dict]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


@pytest.fixture(scope="module")
def profiles(warehouse) -> dict[str, dict]:
    return {r["customer_id"]: r for r in rows(warehouse, "select * from marts.customer_profiles")}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def mbgnbd_churn(x: int, t_x: int, age: int, horizon: int = 90, r=0.243, alpha=30.9, a=0.793, b=2.426) -> float:
    """The published modified BG/NBD formulas (Batislam et al. 2007), written out again here."""
    p_alive = 1 / (1 + a / (b + x) * ((alpha + age) / (alpha + t_x)) ** (r + x))
    p_none_if_alive = ((alpha + age) / (alpha + age + horizon)) ** (r + x)
    return 1 - p_alive * (1 - p_none_if_alive)


def check(profile: dict, expected: dict) -> None:
    got = {k: profile[k] for k in expected}
    want = {k: pytest.approx(v) if isinstance(v, float) else v for k, v in expected.items()}
    assert got == want


def test_one_row_per_customer_as_of_the_given_date(profiles, warehouse):
    assert sorted(profiles) == [f"C{i:02d}" for i in range(1, 11)]
    assert {p["as_of_date"] for p in profiles.values()} == {AS_OF}
    # the var wins over the data's latest activity (G7 on 10-21, T8 on 10-22; see test_profiles_generated
    # for the default)
    assert rows(warehouse, "select as_of_source, latest_activity_date from intermediate.int_profiles__as_of") == [
        dict(as_of_source="var", latest_activity_date=date(2026, 10, 22))]


def test_value_features(profiles):
    check(profiles["C01"], dict(
        order_count=5, purchase_count=4, lifetime_paid_fen=65000, lifetime_refunded_fen=5000, lifetime_net_fen=60000,
        avg_order_value_fen=16250, net_spend_30d_fen=35000, net_spend_90d_fen=50000, net_spend_365d_fen=60000,
        first_order_at=at("2026-06-01 12:00:00+08:00"), last_order_at=at("2026-10-19 20:45:00+08:00"),
        days_since_last_order=1, first_purchase_at=at("2026-06-01 12:00:00+08:00"), days_since_last_purchase=1))
    # a purchase at 00:30 local on the as-of date is on the as-of date (it is the day before in UTC)
    check(profiles["C04"], dict(order_count=1, days_since_last_order=0, days_since_last_purchase=0, net_spend_30d_fen=50000))
    # a refunded order is still a purchase; the money nets out
    check(profiles["C03"], dict(order_count=2, purchase_count=2, lifetime_paid_fen=7000, lifetime_net_fen=4000,
                                avg_order_value_fen=3500, refund_rate=0.5, refunded_purchase_count=1))
    # only a cancelled order: an order, no purchase
    check(profiles["C06"], dict(order_count=1, purchase_count=0, lifetime_net_fen=0, avg_order_value_fen=None,
                                days_since_last_order=19, days_since_last_purchase=None, preferred_channel="miniprogram"))
    check(profiles["C10"], dict(order_count=0, purchase_count=0, lifetime_net_fen=0, first_order_at=None,
                                days_since_last_order=None, preferred_channel=None))


def test_rfm_scores_and_segments(profiles):
    # recency 1/233/15/0/202 days, purchases 4/1/2/1/2, net 60000/8000/4000/50000/72000 (ties share the lower score)
    expected = {
        "C01": (4, 5, 4, "champions"), "C02": (1, 1, 2, "lost"), "C03": (3, 3, 1, "loyal"),
        "C04": (5, 1, 3, "new"), "C05": (2, 3, 5, "at_risk"),
    }
    for customer, (r, f, m, segment) in expected.items():
        check(profiles[customer], dict(recency_score=r, frequency_score=f, monetary_score=m, rfm_segment=segment,
                                       rfm_cell=f"{r}{f}{m}"))
    for customer in ("C06", "C07", "C08", "C09", "C10"):
        check(profiles[customer], dict(recency_score=None, rfm_segment="no_purchase", churn_probability=None,
                                       churn_risk="no_purchase"))


def test_churn_probability_follows_the_documented_formula(profiles):
    # (repeat purchase days, days first -> last purchase, days first purchase -> as of)
    histories = {"C01": (3, 140, 141), "C02": (0, 0, 233), "C03": (1, 65, 80), "C04": (0, 0, 0), "C05": (1, 12, 214)}
    for customer, (x, t_x, age) in histories.items():
        assert profiles[customer]["churn_probability"] == pytest.approx(mbgnbd_churn(x, t_x, age), abs=1e-9)
    assert profiles["C04"]["churn_probability"] == pytest.approx(0.7866, abs=1e-3)  # a brand-new one-time buyer
    assert profiles["C01"]["churn_risk"] == "low" and profiles["C04"]["churn_risk"] == "high"
    assert profiles["C02"]["churn_probability"] > profiles["C05"]["churn_probability"] > profiles["C04"]["churn_probability"]


def test_channels_devices_and_journey(profiles):
    check(profiles["C01"], dict(
        channels=["channels", "crm", "miniprogram", "official_account", "web"], channel_count=5,
        platforms=["store", "web", "wechat"], orders_miniprogram=3, orders_channels=1, orders_app=0, orders_web=1,
        preferred_channel="miniprogram", first_purchase_channel="channels", last_purchase_channel="miniprogram",
        purchase_channel_count=2, moved_channels=True, first_purchase_in_live=True, live_to_miniprogram=True,
        device_count=0, shares_device=False))
    check(profiles["C02"], dict(channels=["app", "wecom"], platforms=["app", "wechat"], orders_app=1,
                                preferred_channel="app", moved_channels=False, device_count=2, shares_device=True))
    check(profiles["C04"], dict(channels=["channels"], first_purchase_in_live=False, live_to_miniprogram=False))
    check(profiles["C05"], dict(device_count=1, shares_device=True))
    check(profiles["C10"], dict(channels=["crm"], platforms=["store"]))


def test_preferred_time_products_and_promotions(profiles, warehouse):
    # C01 buys at 12:xx once and 20:xx three times; Monday twice, Tuesday twice -> the most recent (Monday)
    check(profiles["C01"], dict(
        preferred_order_hour=20, preferred_order_weekday=1, top_category="食品", top_category_share=0.75,
        top_categories=["食品", "美妆"], category_count=2, promo_share_coupon=0.5, promo_share_live_exclusive=0.25,
        promo_share_member_price=0.0, promo_share_flash_sale=0.0, promotion_share=0.75,
        preferred_promotion_type="coupon"))
    # one purchase each at 11:00 (Saturday, 母婴) and 15:00 (Monday, 服饰): ties go to the most recent
    check(profiles["C03"], dict(preferred_order_hour=15, preferred_order_weekday=1, top_category="服饰",
                                top_category_share=0.5, top_categories=["服饰", "母婴"], promotion_share=0.0,
                                preferred_promotion_type=None))
    check(profiles["C04"], dict(preferred_order_hour=0, preferred_order_weekday=2, promo_share_flash_sale=1.0,
                                preferred_promotion_type="flash_sale"))
    check(profiles["C02"], dict(promo_share_coupon=1.0, preferred_promotion_type="coupon"))  # an app coupon code
    check(profiles["C06"], dict(top_category=None, category_count=0, promotion_share=None))  # cancelled: no purchase
    shares = rows(warehouse, "select category, purchase_count, purchase_share, category_rank "
                             "from marts.profile_category_shares where customer_id = 'C01' order by category_rank")
    assert shares == [dict(category="食品", purchase_count=3, purchase_share=0.75, category_rank=1),
                      dict(category="美妆", purchase_count=2, purchase_share=0.5, category_rank=2)]


def test_aftersales(profiles):
    # AS3 (on C01's live order) was requested after the as-of date: left out
    check(profiles["C01"], dict(aftersale_count=2, open_aftersale_count=1, last_aftersale_at=at("2026-10-15 10:00:00+08:00"),
                                last_aftersale_type="RETURN", last_aftersale_status="USER_WAIT_RETURN",
                                last_aftersale_outcome="open", refunded_purchase_count=1, refund_rate=0.25))
    check(profiles["C04"], dict(aftersale_count=1, open_aftersale_count=0, last_aftersale_outcome="rejected"))
    check(profiles["C03"], dict(aftersale_count=0, last_aftersale_outcome=None))


def test_reachability(profiles):
    check(profiles["C01"], dict(oa_subscribed=True, wecom_active_contact=False, sms_opt_in=False, sms_reachable=False,
                                app_push_enabled=False, is_reachable=True))
    # three employees: U1's relationship is deleted; U2 (added 2026-05-01) is the most recent active one
    check(profiles["C02"], dict(wecom_active_contact=True, wecom_active_relationships=2, wecom_owner_userid="U2",
                                wecom_owner_name="李", is_reachable=True))
    check(profiles["C03"], dict(oa_subscribed=False, sms_opt_in=True, sms_reachable=True))
    check(profiles["C05"], dict(sms_opt_in=True, sms_reachable=False, app_push_enabled=False, is_reachable=False))
    check(profiles["C07"], dict(app_push_enabled=True, is_reachable=True))
    check(profiles["C04"], dict(is_reachable=False, wecom_owner_userid=None))


def test_contacts_rates_and_next_contact(profiles, warehouse):
    # C03: T1 (SMS to a phone as typed: opened, clicked), T2 (SMS to the CRM member), T3 (official account: opened);
    # T8 was sent after the as-of date
    check(profiles["C03"], dict(
        messages_total=3, sms_messages=2, official_account_messages=1, wecom_messages=0, sms_open_rate=0.5,
        sms_click_rate=0.5, official_account_open_rate=1.0, official_account_click_rate=0.0, wecom_open_rate=None,
        best_response_channel="sms", recommended_contact_channel="sms", contacts_30d=2,
        last_contact_at=at("2026-10-12 11:00:00+08:00"), days_since_last_contact=8, contact_cadence_days=14,
        next_contact_date=date(2026, 10, 26)))
    # C02: the private message failed (no contact, no rate); the group message was opened
    check(profiles["C02"], dict(
        messages_total=2, wecom_messages=2, wecom_open_rate=1.0, wecom_click_rate=0.0, best_response_channel="wecom",
        recommended_contact_channel="wecom", contacts_30d=0, last_contact_at=at("2026-08-01 10:00:00+08:00"),
        contact_cadence_days=60, next_contact_date=AS_OF))  # lost: 08-01 + 60 days has passed -> today
    # C07: the app user id arrived padded (' U7 '), cleaned like every id
    check(profiles["C07"], dict(app_push_messages=1, app_push_open_rate=1.0, app_push_click_rate=1.0,
                                best_response_channel="app_push", recommended_contact_channel="app_push",
                                next_contact_date=date(2026, 11, 8)))  # no_purchase: 10-18 + 21 days
    # C01 was never contacted: recommended by the preference order, contact today
    check(profiles["C01"], dict(messages_total=0, last_contact_at=None, best_response_channel=None,
                                recommended_contact_channel="official_account", next_contact_date=AS_OF))
    # the phone 13900000009 is C08's and C09's: it links for C08 only, so C08 got the message
    check(profiles["C08"], dict(sms_messages=1, sms_open_rate=0.0, best_response_channel=None,
                                recommended_contact_channel=None, next_contact_date=None))
    check(profiles["C09"], dict(messages_total=0))
    unresolved = rows(warehouse, "select message_id from intermediate.int_profiles__messages where customer_id is null")
    assert unresolved == [dict(message_id="T7")]


def test_birthdays(profiles):
    check(profiles["C01"], dict(birthday_month_day="10-19", next_birthday=date(2027, 10, 19), days_until_birthday=364))
    check(profiles["C03"], dict(next_birthday=date(2026, 10, 23), days_until_birthday=3))
    # born on 29 February: 28 February in 2027
    check(profiles["C04"], dict(next_birthday=date(2027, 2, 28), days_until_birthday=131))
    check(profiles["C05"], dict(birthday="--02-29", next_birthday=date(2027, 2, 28), days_until_birthday=131))
    check(profiles["C07"], dict(days_until_birthday=0))
    check(profiles["C02"], dict(birthday=None, days_until_birthday=None))


def test_sharing(profiles):
    # oS1 referred CH1, MP2 and G5 by the as-of date (G6 cancelled, G7 later): 10000 + 30000 + 1000
    check(profiles["C05"], dict(is_sharer=True, sharer_referred_order_count=3, sharer_referred_sales_fen=41000,
                                sharer_top_percent=20))
    check(profiles["C06"], dict(is_sharer=True, sharer_referred_order_count=1, sharer_referred_sales_fen=500,
                                sharer_top_percent=40))
    check(profiles["C09"], dict(sharer_top_percent=100))
    check(profiles["C01"], dict(is_sharer=False, sharer_referred_order_count=0, sharer_top_percent=None,
                                first_purchase_sharer_id="oS1", purchases_via_sharer=2))


def test_audiences(warehouse):
    members = rows(warehouse, "select audience, customer_id, reason, as_of_date from marts.audiences order by 1, 2")
    assert [(m["audience"], m["customer_id"]) for m in members] == [
        ("birthday_next_7_days", "C03"), ("birthday_next_7_days", "C07"),  # C09 (5 days) cannot be reached
        ("high_value_at_risk", "C05"),  # C04 spent as much, but only once
        ("lapsed_reachable_wecom_sms", "C02"),  # C05 lapsed too, but has no mobile for its SMS opt-in
        ("recent_buyer_open_aftersale", "C01"),  # C04's after-sale was rejected
        ("top_sharers", "C05"),
    ]
    reasons = {(m["audience"], m["customer_id"]): m["reason"] for m in members}
    assert reasons[("birthday_next_7_days", "C03")] == "birthday in 3 days (10-23)"
    assert reasons[("lapsed_reachable_wecom_sms", "C02")] == "no purchase for 233 days; reach by wecom"
    assert {m["as_of_date"] for m in members} == {AS_OF}


def test_churn_backtest(warehouse):
    # as of 2026-07-22 (90 days before) C01 (bought 06-01), C05 (03-20 and 04-01) and C02 (03-01) had bought; only
    # C01 bought again. By the formula C05's two purchases make it the least likely to churn (0.80), then C01
    # (0.88), then C02 (0.94): positives C05, C02 rank 1 and 3 -> AUC = (1 + 3 - 2 * 3 / 2) / (2 * 1) = 0.5.
    # By recency (51, 112, 143 days) they rank 2 and 3 -> AUC = (2 + 3 - 3) / 2 = 1.
    scores = {"C01": mbgnbd_churn(0, 0, 51), "C05": mbgnbd_churn(1, 12, 124), "C02": mbgnbd_churn(0, 0, 143)}
    assert scores["C05"] < scores["C01"] < scores["C02"]
    assert rows(warehouse, "select * from marts.profile_churn_backtest") == [dict(
        as_of_date=AS_OF, backtest_cutoff_date=date(2026, 7, 22), churn_horizon_days=90, scored_customers=3,
        positives=2, negatives=1, observed_churn_rate=pytest.approx(2 / 3),
        mean_churn_probability=pytest.approx(sum(scores.values()) / 3), auc=0.5, auc_recency_only=1.0)]


def test_auc_with_ties_and_leap_day_birthdays(warehouse, tmp_path):
    """Two macros on cases worked out by hand, compiled in one dbt call:
    rank_sum_auc: scores 1, 2, 2, 3 with labels n, p, n, p -> mid-ranks 1, 2.5, 2.5, 4;
    AUC = (2.5 + 4 - 2 * 3 / 2) / (2 * 2) = 0.875.
    anniversary_in_year: 29 February is 2028-02-29 in a leap year, 2027-02-28 otherwise."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse, copy)  # dbt opens its warehouse for writing; the module's stays untouched
    sample = "(select * from (values (1, false), (2, true), (2, false), (3, true)) t(score, label))"
    inline = (f"select auc.*, {{{{ c360.anniversary_in_year(\"date '2028-01-01'\", 2, 29) }}}} as leap_year, "
              f"{{{{ c360.anniversary_in_year(\"date '2027-01-01'\", 2, 29) }}}} as common_year, "
              f"{{{{ c360.anniversary_in_year(\"date '2027-01-01'\", 12, 31) }}}} as new_years_eve "
              f"from ({{{{ c360.rank_sum_auc('{sample}', 'score', 'label') }}}}) as auc")
    result = subprocess.run(
        [dbt_executable(), "compile", "--quiet", "--inline", inline,
         "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        env={**os.environ, "C360_WAREHOUSE": str(copy)}, cwd=DBT_PROJECT_DIR, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    with duckdb.connect() as con:
        assert con.execute(result.stdout).fetchone() == (
            2, 2, 0.875, date(2028, 2, 29), date(2027, 2, 28), date(2027, 12, 31))


def test_totals_reconcile_with_orders_and_messages(warehouse):
    [totals] = rows(warehouse, """
        select
            (select sum(lifetime_net_fen) from marts.customer_profiles) as profile_net,
            (select sum(net_amount_fen) from marts.orders where customer_id is not null
               and created_at < timestamptz '2026-10-21 00:00:00+08') as orders_net,
            (select sum(order_count) from marts.customer_profiles) as profile_orders,
            (select sum(messages_total) from marts.customer_profiles) as profile_messages""")
    assert totals == dict(profile_net=194000, orders_net=194000, profile_orders=12, profile_messages=7)
