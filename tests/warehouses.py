"""A tiny, consistent warehouse built by hand (raw manifest, staging keys, marts), for tests of the
quality gate and the publish step that must not depend on the dbt models' logic."""

from __future__ import annotations

from pathlib import Path

import duckdb

TINY_WAREHOUSE_SQL = """
create schema raw; create schema staging; create schema intermediate; create schema marts;
create table raw._files as select * from (values
    ('app/orders/2026-10-01.csv', 'loaded', 3, 2, 1, 'h1'),
    ('app/users/2026-10-01.csv', 'loaded', 2, 2, 0, 'h2'),
    ('app/orders/2026-10-01_manual.csv', 'rejected', 0, 0, 0, 'h3')
) t(source_file, status, rows_read, rows_loaded, rows_rejected, file_hash);
create table raw._erasure_requests (request_file varchar, line bigint, id_type varchar, id_hash varchar,
    received_at timestamptz, status varchar, erased_at timestamptz, customers bigint, records bigint);
create table raw._rejects as select * from (values
    ('app/orders/2026-10-01.csv', 2, 'unparseable_amount'),
    ('app/orders/2026-10-01_manual.csv', 0, 'required_column_missing')
) t(source_file, row_number, reason);
create table staging.stg_miniprogram__orders as select * from (values ('M1'), ('M1')) t(order_id);
create table staging.stg_channels__orders (order_id varchar);
create table staging.stg_app__orders as select * from (values ('A1')) t(order_id);
create table staging.stg_web__orders as select * from (values ('W1', null), ('W2', 'WC1')) t(order_id, customer_id);
create table staging.stg_miniprogram__users as select * from (values ('oMp1')) t(openid);
create table staging.stg_miniprogram__sharers as select * from (values ('oMp1')) t(sharer_openid);
create table staging.stg_wecom__contacts (external_userid varchar);
create table staging.stg_official_account__followers (openid varchar);
create table staging.stg_app__users as select * from (values ('U1')) t(user_id);
create table staging.stg_web__customers as select * from (values ('WC1')) t(customer_id);
create table staging.stg_crm__members (member_id varchar);
alter table staging.stg_miniprogram__orders add column buyer_openid varchar default 'oMp1';
alter table staging.stg_channels__orders add column buyer_openid varchar;

create table marts.customers as select * from (values
    ('C000001', '张三', '13800138001', 'a@example.com', '1990-01-02', 'male',
     timestamptz '2026-10-01 10:00:00+08', timestamptz '2026-10-02 10:00:00+08'),
    ('C000002', null, '+85291234567', null, '--03-04', 'female',
     timestamptz '2026-10-01 11:00:00+08', timestamptz '2026-10-01 11:00:00+08')
) t(customer_id, name, phone, email, birthday, gender, first_seen_at, last_seen_at);
create table marts.customer_xref as select * from (values
    ('C000001', 'miniprogram.users', 'oMp1'),
    ('C000001', 'miniprogram.sharers', 'oMp1'),
    ('C000001', 'miniprogram.buyers', 'oMp1'),
    ('C000002', 'app.users', 'U1'),
    ('C000002', 'web.customers', 'WC1'),
    ('C000001', 'web.guests', 'W1')
) t(customer_id, source, source_key);
create table marts.customer_identifiers as select * from (values
    ('C000001', 'mp_openid', 'oMp1'), ('C000001', 'phone', '13800138001'), ('C000002', 'app_user_id', 'U1')
) t(customer_id, id_type, id_value);
create table marts.customer_id_history as select * from (values
    ('C000009', 'C000009', 'C000001', timestamptz '2026-10-02 00:00:00+08', 'merge', null)
) t(event_key, old_customer_id, customer_id, changed_at, change, reason);
create table marts.identity_links as select * from (values
    ('C000001', 'miniprogram.buyers:oMp1', 'miniprogram.users:oMp1', 'mp_openid', repeat('a', 64),
     'mp_openid/platform+platform', 'firm', cast(null as varchar), timestamptz '2026-10-01 10:00:00+08'),
    ('C000002', 'app.users:U1', 'web.customers:WC1', 'phone', repeat('b', 64),
     'phone/registered+registered', 'firm', null, timestamptz '2026-10-01 11:00:00+08')
) t(customer_id, record_a, record_b, id_type, id_value_hash, rule, strength, evidence, first_seen_at);
create table marts.orders as select * from (values
    ('miniprogram:M1', 'miniprogram', 'M1', 'C000001', timestamptz '2026-10-01 10:00:00+08', 'completed', 1000, 200, 800, 'coupon', 'oMp1'),
    ('app:A1', 'app', 'A1', 'C000002', timestamptz '2026-10-01 11:00:00+08', 'paid', 500, 0, 500, null, null),
    ('web:W1', 'web', 'W1', 'C000001', timestamptz '2026-10-01 12:00:00+08', 'cancelled', 0, 0, 0, null, null),
    ('web:W2', 'web', 'W2', 'C000002', timestamptz '2026-10-01 13:00:00+08', 'refunded', 300, 300, 0, null, null)
) t(order_key, channel, order_id, customer_id, created_at, status, paid_amount_fen, refunded_amount_fen,
    net_amount_fen, promotion_type, sharer_id);
create table marts.sharers as select * from (values
    ('oMp1', 'C000001', 1, 'S1', '杭州店', 1, 800, 50)
) t(sharer_id, customer_id, sharer_type, store_id, store_name, order_count, sales_fen, cumulative_commission_fen);
create table marts.audiences as select * from (values
    ('C000001', 'birthday_next_7_days', 'birthday on 01-02', timestamptz '2026-10-02 00:00:00+08'),
    ('C000002', 'top_sharers', 'top 1% of sharers by sales', timestamptz '2026-10-02 00:00:00+08')
) t(customer_id, audience, reason, computed_at);
create table marts.customer_profiles as select * from (values
    ('C000001', 2, 800, timestamptz '2026-10-01 10:00:00+08', timestamptz '2026-10-01 12:00:00+08', 50, 'new', 'miniprogram', ['miniprogram', 'web']),
    ('C000002', 2, 500, timestamptz '2026-10-01 11:00:00+08', timestamptz '2026-10-01 13:00:00+08', 50, 'new', 'app', ['app', 'web'])
) t(customer_id, order_count, lifetime_net_fen, first_order_at, last_order_at, days_since_last_order, rfm_segment,
    preferred_channel, channels);
create table intermediate.int_orders__shop_aftersales as select * from (values
    ('miniprogram:M1', 'miniprogram', 'AS1', 'M1', 200)
) t(order_key, channel, aftersale_id, order_id, refund_amount_fen);
create table marts.customer_events as select * from (values
    ('miniprogram.users|oMp1||account_created', 'C000001', timestamptz '2026-10-01 09:00:00+08', 'account_created', 'miniprogram', null, null, null, 0),
    ('miniprogram:M1|order_placed', 'C000001', timestamptz '2026-10-01 10:00:00+08', 'order_placed', 'miniprogram', 'miniprogram:M1', 1000, '10', 1),
    ('miniprogram:M1|order_paid', 'C000001', timestamptz '2026-10-01 10:05:00+08', 'order_paid', 'miniprogram', 'miniprogram:M1', 1000, null, 2),
    ('miniprogram:M1|order_completed', 'C000001', timestamptz '2026-10-02 09:00:00+08', 'order_completed', 'miniprogram', 'miniprogram:M1', 800, '100', 3),
    ('miniprogram:AS1|aftersale_opened', 'C000001', timestamptz '2026-10-02 10:00:00+08', 'aftersale_opened', 'miniprogram', 'miniprogram:M1', 200, 'REFUND', 4),
    ('miniprogram:AS1|aftersale_refunded', 'C000001', timestamptz '2026-10-02 12:00:00+08', 'aftersale_refunded', 'miniprogram', 'miniprogram:M1', 200, 'MERCHANT_REFUND_SUCCESS', 5),
    ('web:W1|order_placed', 'C000001', timestamptz '2026-10-01 12:00:00+08', 'order_placed', 'web', 'web:W1', 0, 'pending', 1),
    ('web:W1|order_cancelled', 'C000001', timestamptz '2026-10-01 12:30:00+08', 'order_cancelled', 'web', 'web:W1', 0, 'cancelled', 3),
    ('app.users|U1||account_created', 'C000002', timestamptz '2026-10-01 10:30:00+08', 'account_created', 'app', null, null, null, 0),
    ('app:A1|order_placed', 'C000002', timestamptz '2026-10-01 11:00:00+08', 'order_placed', 'app', 'app:A1', 500, 'paid', 1),
    ('app:A1|order_paid', 'C000002', timestamptz '2026-10-01 11:00:00+08', 'order_paid', 'app', 'app:A1', 500, null, 2),
    ('web:W2|order_placed', 'C000002', timestamptz '2026-10-01 13:00:00+08', 'order_placed', 'web', 'web:W2', 300, 'refunded', 1),
    ('web:W2|order_paid', 'C000002', timestamptz '2026-10-01 13:00:00+08', 'order_paid', 'web', 'web:W2', 300, null, 2),
    ('web:W2|order_refunded', 'C000002', timestamptz '2026-10-01 14:00:00+08', 'order_refunded', 'web', 'web:W2', 300, 'refunded', 3)
) t(event_key, customer_id, event_at, event_type, channel, order_key, amount_fen, detail, order_step);
create table marts.customer_cards as select * from (values
    ('C000001', '张三', '13800138001', '1990-01-02', '{"gender": "male", "profile": {"rfm_segment": "new", "churn_risk": "low", '
     || '"order_count": 2, "lifetime_net_fen": 800}, "last_order_at": "2026-10-01 12:00:00", "sharer": {"is_sharer": true, '
     || '"referred_order_count": 1, "referred_sales_fen": 800}, "orders": [{"order_key": "web:W1", "channel": "web", '
     || '"created_at": "2026-10-01 12:00:00", "status": "cancelled", "paid_amount_fen": 0, "refunded_amount_fen": 0, '
     || '"net_amount_fen": 0}, {"order_key": "miniprogram:M1", "channel": "miniprogram", "created_at": "2026-10-01 10:00:00", '
     || '"status": "completed", "paid_amount_fen": 1000, "refunded_amount_fen": 200, "net_amount_fen": 800}], '
     || '"dynamics": [{"event_at": "2026-10-02 12:00:00", "event_type": "aftersale_refunded", "channel": "miniprogram", '
     || '"order_key": "miniprogram:M1", "amount_fen": 200, "detail": "MERCHANT_REFUND_SUCCESS"}, {"event_at": '
     || '"2026-10-01 10:00:00", "event_type": "order_placed", "channel": "miniprogram", "order_key": "miniprogram:M1", '
     || '"amount_fen": 1000, "detail": "10"}], "audiences": ["birthday_next_7_days"]}'),
    ('C000002', null, '+85291234567', '--03-04', '{"gender": "female", "profile": {"rfm_segment": "new"}, "sharer": {}, '
     || '"orders": [], "dynamics": [], "audiences": ["top_sharers"]}')
) t(customer_id, name, phone, birthday, card_json);
create table marts.customer_lookup as select * from (values
    ('13800138001', 'phone', 'C000001', 1), ('C000001', 'customer_id', 'C000001', 1),
    ('C000002', 'customer_id', 'C000002', 1), ('C000009', 'customer_id', 'C000001', 1),
    ('U1', 'app_user_id', 'C000002', 1), ('oMp1', 'openid', 'C000001', 1)
) t(lookup_value, lookup_kind, customer_id, candidate_count);
"""


IDENTITY_GATE_THRESHOLDS = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds" / "identity_gate_thresholds.csv"


def build_tiny_warehouse(path: Path) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute(TINY_WAREHOUSE_SQL)
        # the identity gate's thresholds, as dbt seeds them
        con.execute("create schema config")
        con.execute("create table config.identity_gate_thresholds as select * from read_csv(?, header = true)",
                    [str(IDENTITY_GATE_THRESHOLDS)])
    return path


def execute(path: Path, sql: str) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute(sql)
