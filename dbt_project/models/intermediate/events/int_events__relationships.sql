{#-
    The dynamics of a customer's accounts and relationships, each with the customer its source record
    resolved to (customer_xref): an account created (mini program, app, web shop), a WeCom contact
    added or deleted (deleted at update_time, the only time the export gives for it), the official
    account subscribed or unsubscribed, a CRM membership joined (at local midnight of join_date),
    a sharer bound (the sharer's own record). A WeCom contact is one per staff member who added the
    person (record_part: follow_userid).
-#}
with

xref as (
    select * from {{ ref('customer_xref') }}
),

mp_users as (
    select * from {{ ref('stg_miniprogram__users') }}
),

app_users as (
    select * from {{ ref('stg_app__users') }}
),

web_customers as (
    select * from {{ ref('stg_web__customers') }}
),

wecom_contacts as (
    select * from {{ ref('stg_wecom__contacts') }}
),

oa_followers as (
    select * from {{ ref('stg_official_account__followers') }}
),

crm_members as (
    select * from {{ ref('stg_crm__members') }}
),

sharers as (
    select * from {{ ref('stg_miniprogram__sharers') }}
),

{%- set null_text = 'cast(null as ' ~ dbt.type_string() ~ ')' %}

record_events as (
    select 'miniprogram.users' as source, openid as source_key, register_time as event_at,
           'account_created' as event_type, 'miniprogram' as channel, {{ null_text }} as detail,
           '' as record_part
    from mp_users
    union all
    select 'app.users', user_id, register_time, 'account_created', 'app', {{ null_text }}, ''
    from app_users
    union all
    select 'web.customers', customer_id, created_at, 'account_created', 'web', {{ null_text }}, ''
    from web_customers
    union all
    select 'wecom.contacts', external_userid, add_time, 'wecom_contact_added', 'wecom',
           cast(add_way as {{ dbt.type_string() }}), coalesce(follow_userid, '')
    from wecom_contacts
    union all
    select 'wecom.contacts', external_userid, update_time, 'wecom_contact_deleted', 'wecom', {{ null_text }}, coalesce(follow_userid, '')
    from wecom_contacts
    where deleted
    union all
    select 'official_account.followers', openid, subscribe_time, 'oa_subscribed', 'official_account',
           cast(subscribe_scene as {{ dbt.type_string() }}), ''
    from oa_followers
    where subscribe_time is not null
    union all
    select 'official_account.followers', openid, unsubscribe_time, 'oa_unsubscribed', 'official_account', {{ null_text }}, ''
    from oa_followers
    where unsubscribe_time is not null
    union all
    select 'crm.members', member_id,
           {{ c360.local_midnight('join_date') }},
           'membership_joined', 'crm', cast(level as {{ dbt.type_string() }}), ''
    from crm_members
    where join_date is not null
    union all
    select 'miniprogram.sharers', sharer_openid, bind_time, 'sharer_bound', 'miniprogram',
           cast(sharer_type as {{ dbt.type_string() }}), ''
    from sharers
    where bind_time is not null
)

select
    {{ dbt.concat(['record_events.source', "'|'", 'record_events.source_key', "'|'", 'record_events.record_part', "'|'", 'record_events.event_type']) }} as event_key,
    xref.customer_id,
    record_events.event_at,
    record_events.event_type,
    record_events.channel,
    {{ null_text }} as order_key,
    cast(null as {{ dbt.type_bigint() }}) as amount_fen,
    record_events.detail,
    0 as order_step
from record_events
inner join xref
    on xref.source = record_events.source
    and xref.source_key = record_events.source_key
where record_events.event_at is not null
