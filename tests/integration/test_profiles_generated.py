"""customer_profiles end to end on generated data: the nightly job (ingest, dbt build, quality gate, publish) on
3,000 generated persons over 14 days, then the profile reconciled with orders, touchpoints and sharers by
queries written independently of the models, and the published table checked against the contract."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from c360.runner import run_nightly
from c360_tools.generate import generate
from orchestration.lib.settings import DBT_PROJECT_DIR, Paths
from orchestration.publish.tables import published_tables

pytestmark = [pytest.mark.slow, pytest.mark.long]  # the nightly job on 3,000 persons, ~1 min: make test-long (CI: test_profiles)

CONTRACT_TYPES = {  # published.yaml's customer_profiles columns as DuckDB types
    "customer_id": "VARCHAR", "order_count": "BIGINT", "lifetime_net_fen": "BIGINT",
    "first_order_at": "TIMESTAMP WITH TIME ZONE", "last_order_at": "TIMESTAMP WITH TIME ZONE",
    "days_since_last_order": "INTEGER", "rfm_segment": "VARCHAR", "preferred_channel": "VARCHAR",
    "channels": "VARCHAR[]",
}


@pytest.fixture(scope="module")
def paths(tmp_path_factory) -> Paths:
    root = tmp_path_factory.mktemp("profiles_generated")
    generate(root / "gen", persons=3000, days=14, seed=7)
    paths = Paths(landing_dir=root / "gen" / "landing", data_dir=root / "data")
    result = run_nightly(paths)
    assert result.success, result.failure
    return paths


def query(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def one(path: Path, sql: str) -> tuple:
    [row] = query(path, sql)
    return row


def test_published_profile_has_the_contract_columns_and_types(paths):
    [table] = [t for t in published_tables() if t.name == "customer_profiles"]
    assert set(table.columns) == set(CONTRACT_TYPES)
    described = query(paths.published, "select column_name, column_type from (describe c360.customer_profiles)")
    assert [name for name, _ in described[: len(table.columns)]] == list(table.columns)
    assert {name: kind for name, kind in described if name in CONTRACT_TYPES} == CONTRACT_TYPES
    parquet = paths.data_dir / "published_parquet" / "customer_profiles.parquet"
    with duckdb.connect() as con:
        kinds = dict(con.execute(f"select column_name, column_type from (describe select * from '{parquet}')").fetchall())
    assert kinds["channels"] == "VARCHAR[]"
    rows, customers = one(paths.published, "select count(*), (select count(*) from c360.customers) from c360.customer_profiles")
    assert rows == customers > 3000


def test_one_profile_per_customer(paths):
    profiles, distinct, missing = one(paths.warehouse, """
        select count(*), count(distinct customer_id),
               (select count(*) from marts.customers c anti join marts.customer_profiles p using (customer_id))
        from marts.customer_profiles""")
    customers = one(paths.warehouse, "select count(*) from marts.customers")[0]
    assert profiles == distinct == customers and missing == 0


def test_as_of_is_the_latest_local_date_of_an_order_or_a_message(paths):
    expected, actual, source = one(paths.warehouse, """
        select
            greatest((select max(cast(timezone('Asia/Shanghai', created_at) as date)) from marts.orders),
                     (select max(cast(timezone('Asia/Shanghai', sent_at) as date)) from staging.stg_touchpoints__messages)),
            (select max(as_of_date) from marts.customer_profiles),
            (select as_of_source from intermediate.int_profiles__as_of)""")
    assert actual == expected and source == "latest_activity"


def test_value_reconciles_with_orders(paths):
    profile, orders = query(paths.warehouse, """
        select sum(lifetime_net_fen), sum(lifetime_paid_fen), sum(lifetime_refunded_fen), sum(order_count),
               sum(purchase_count), sum(orders_miniprogram), sum(orders_channels), sum(orders_app), sum(orders_web)
        from marts.customer_profiles
        union all
        select sum(net_amount_fen), sum(paid_amount_fen), sum(refunded_amount_fen), count(*),
               count(*) filter (where status not in ('pending_payment', 'cancelled')),
               count(*) filter (where channel = 'miniprogram'), count(*) filter (where channel = 'channels'),
               count(*) filter (where channel = 'app'), count(*) filter (where channel = 'web')
        from marts.orders
        where customer_id is not null
        order by 4 nulls first""")
    assert profile == orders
    assert profile[3] > 800
    # customer by customer, too
    mismatches = one(paths.warehouse, """
        with per_customer as (
            select customer_id, count(*) as orders, sum(net_amount_fen) as net, max(created_at) as last_at,
                   count(distinct channel) filter (where status not in ('pending_payment', 'cancelled')) as channels
            from marts.orders where customer_id is not null group by customer_id
        )
        select count(*) from marts.customer_profiles p
        left join per_customer o using (customer_id)
        where p.order_count <> coalesce(o.orders, 0) or p.lifetime_net_fen <> coalesce(o.net, 0)
           or p.last_order_at is distinct from o.last_at or p.purchase_channel_count <> coalesce(o.channels, 0)""")[0]
    assert mismatches == 0


def test_channels_hold_every_channel_of_the_records_and_orders(paths):
    missing = one(paths.warehouse, """
        select count(*) from (
            select customer_id, split_part(source, '.', 1) as channel from marts.customer_xref
            union
            select customer_id, channel from marts.orders where customer_id is not null
        ) as appearances
        join marts.customer_profiles p using (customer_id)
        where not list_contains(p.channels, appearances.channel)""")[0]
    assert missing == 0
    extra = one(paths.warehouse, """
        select count(*) from marts.customer_profiles p
        where len(p.channels) <> (select count(distinct split_part(source, '.', 1)) from marts.customer_xref x
                                  where x.customer_id = p.customer_id)""")[0]
    assert extra == 0


def test_contacts_reconcile_with_touchpoints(paths):
    # WeCom, app push and the official account address their recipients by a source record's own key:
    # resolved here through customer_xref, per customer and contact channel
    mismatches, messages = one(paths.warehouse, """
        with resolved as (
            select x.customer_id,
                   case when m.channel like 'wecom%' then 'wecom' when m.channel like 'oa%' then 'official_account'
                        else m.channel end as contact_channel
            from staging.stg_touchpoints__messages m
            join marts.customer_xref x
              on x.source = case m.recipient_type when 'external_userid' then 'wecom.contacts'
                                                  when 'oa_openid' then 'official_account.followers'
                                                  when 'app_user_id' then 'app.users' end
             and x.source_key = trim(m.recipient_id)
        ),
        per_customer as (
            select customer_id,
                   count(*) filter (where contact_channel = 'wecom') as wecom,
                   count(*) filter (where contact_channel = 'official_account') as oa,
                   count(*) filter (where contact_channel = 'app_push') as app_push
            from resolved group by customer_id
        )
        select count(*) filter (where p.wecom_messages <> coalesce(r.wecom, 0)
                                   or p.official_account_messages <> coalesce(r.oa, 0)
                                   or p.app_push_messages <> coalesce(r.app_push, 0)),
               sum(coalesce(r.wecom, 0) + coalesce(r.oa, 0) + coalesce(r.app_push, 0))
        from marts.customer_profiles p left join per_customer r using (customer_id)""")
    assert mismatches == 0 and messages > 300
    # SMS to CRM members the same way; SMS to typed phones only add to it
    sms_to_members, sms_in_profiles, total, in_profiles, unresolved = one(paths.warehouse, """
        select
            (select count(*) from staging.stg_touchpoints__messages m join marts.customer_xref x
               on x.source = 'crm.members' and x.source_key = trim(m.recipient_id) where m.recipient_type = 'member_id'),
            (select sum(sms_messages) from marts.customer_profiles),
            (select count(*) from staging.stg_touchpoints__messages),
            (select sum(messages_total) from marts.customer_profiles),
            (select count(*) from intermediate.int_profiles__messages where customer_id is null)""")
    assert sms_to_members < sms_in_profiles
    assert in_profiles + unresolved == total
    # every unresolved message is to a typed phone no customer holds
    assert one(paths.warehouse, """
        select count(*) from intermediate.int_profiles__messages where customer_id is null and recipient_type <> 'phone'""")[0] == 0


def test_sharing_reconciles_with_sharers(paths):
    profile, sharers = query(paths.warehouse, """
        select sum(sharer_referred_order_count), sum(sharer_referred_sales_fen), count(*) filter (where is_sharer)
        from marts.customer_profiles
        union all
        select sum(order_count), sum(sales_fen), count(distinct customer_id) from marts.sharers
        order by 3, 1""")
    assert profile == sharers


def test_audiences_are_their_conditions_over_the_profile(paths):
    audiences = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]["profile_audiences"]
    assert {"birthday_next_7_days", "high_value_at_risk", "lapsed_reachable_wecom_sms", "recent_buyer_open_aftersale",
            "top_sharers"} <= {a["name"] for a in audiences}
    for audience in audiences:
        expected = one(paths.warehouse, f"select count(*) from marts.customer_profiles where {audience['condition']}")[0]
        actual = one(paths.warehouse, f"select count(*) from marts.audiences where audience = '{audience['name']}'")[0]
        assert actual == expected, audience["name"]
    assert one(paths.warehouse, "select count(distinct audience) from marts.audiences")[0] >= 3


def test_backtest_reports_one_row_even_without_enough_history(paths):
    # 14 days of data do not reach back 90 days: nothing to score yet
    assert query(paths.warehouse, "select scored_customers, auc from marts.profile_churn_backtest") == [(0, None)]
