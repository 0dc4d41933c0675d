{#-
    One row per source record that names a person (the contract's customer_xref record kinds), with
    when it was first and last seen and the person attributes it carries for the golden record.
    record_key = '<source>|<source_key>'.
-#}
with

{{ c360.identity_source_imports() }}

mp_user_records as (
    select
        'miniprogram.users' as source,
        openid as source_key,
        register_time as first_seen_at,
        update_time as last_seen_at,
        update_time as updated_at,
        cast(null as {{ dbt.type_string() }}) as person_name,
        case when not {{ c360.is_generic_nickname('nickname') }} then trim(nickname) end as display_name,
        cast(null as {{ dbt.type_string() }}) as birthday,
        nullif(gender_normalised, 'unknown') as gender
    from mp_users
    where openid is not null
),

mp_sharer_records as (
    select
        'miniprogram.sharers' as source,
        sharer_openid as source_key,
        bind_time as first_seen_at,
        update_time as last_seen_at,
        update_time as updated_at,
        cast(null as {{ dbt.type_string() }}) as person_name,
        case when not {{ c360.is_generic_nickname('nickname') }} then trim(nickname) end as display_name,
        cast(null as {{ dbt.type_string() }}) as birthday,
        cast(null as {{ dbt.type_string() }}) as gender
    from mp_sharers
    where sharer_openid is not null
),

shop_buyer_records as (
    select
        'miniprogram.buyers' as source,
        buyer_openid as source_key,
        min(create_time) as first_seen_at,
        max(update_time) as last_seen_at,
        max(update_time) as updated_at
    from mp_orders
    where buyer_openid is not null
    group by buyer_openid

    union all

    select
        'channels.buyers' as source,
        buyer_openid as source_key,
        min(create_time) as first_seen_at,
        max(update_time) as last_seen_at,
        max(update_time) as updated_at
    from channels_orders
    where buyer_openid is not null
    group by buyer_openid
),

wecom_latest_follow as (
    select
        *,
        row_number() over (
            partition by external_userid
            order by update_time desc, follow_userid
        ) as follow_rank,
        min(add_time) over (partition by external_userid) as first_added_at,
        max(update_time) over (partition by external_userid) as last_updated_at
    from wecom_contacts
    where external_userid is not null
),

wecom_records as (
    select
        'wecom.contacts' as source,
        external_userid as source_key,
        first_added_at as first_seen_at,
        last_updated_at as last_seen_at,
        last_updated_at as updated_at,
        remark_name as person_name,
        case when not {{ c360.is_generic_nickname('name') }} then trim(name) end as display_name,
        cast(null as {{ dbt.type_string() }}) as birthday,
        nullif(gender_normalised, 'unknown') as gender
    from wecom_latest_follow
    where follow_rank = 1
),

oa_records as (
    select
        'official_account.followers' as source,
        openid as source_key,
        coalesce(subscribe_time, update_time) as first_seen_at,
        update_time as last_seen_at,
        update_time as updated_at
    from oa_followers
    where openid is not null
),

app_records as (
    select
        'app.users' as source,
        user_id as source_key,
        register_time as first_seen_at,
        greatest(update_time, coalesce(last_login_time, update_time)) as last_seen_at,
        update_time as updated_at,
        cast(null as {{ dbt.type_string() }}) as person_name,
        case when not {{ c360.is_generic_nickname('nickname') }} then trim(nickname) end as display_name,
        birthday_normalised as birthday,
        nullif(gender_normalised, 'unknown') as gender
    from app_users
    where user_id is not null
),

web_customer_records as (
    select
        'web.customers' as source,
        customer_id as source_key,
        created_at as first_seen_at,
        updated_at as last_seen_at,
        updated_at,
        nullif(trim(name), '') as person_name,
        cast(null as {{ dbt.type_string() }}) as display_name,
        cast(null as {{ dbt.type_string() }}) as birthday,
        cast(null as {{ dbt.type_string() }}) as gender
    from web_customers
    where customer_id is not null
),

web_guest_records as (
    select
        'web.guests' as source,
        order_id as source_key,
        created_at as first_seen_at,
        updated_at as last_seen_at,
        updated_at
    from web_orders
    where customer_id is null and order_id is not null
),

crm_records as (
    select
        'crm.members' as source,
        member_id as source_key,
        cast(join_date as {{ dbt.type_timestamp() }}) as first_seen_at,
        update_time as last_seen_at,
        update_time as updated_at,
        nullif(trim(name), '') as person_name,
        cast(null as {{ dbt.type_string() }}) as display_name,
        birthday_normalised as birthday,
        nullif(gender_normalised, 'unknown') as gender
    from crm_members
    where member_id is not null
),

{%- set attribute_columns = ['person_name', 'display_name', 'birthday', 'gender'] %}

unioned as (
    {%- for rel in ['mp_user_records', 'mp_sharer_records', 'wecom_records', 'app_records', 'web_customer_records', 'crm_records'] %}
    select source, source_key, first_seen_at, last_seen_at, updated_at, {{ attribute_columns | join(', ') }} from {{ rel }}
    union all
    {%- endfor %}
    {%- for rel in ['shop_buyer_records', 'oa_records', 'web_guest_records'] %}
    select
        source, source_key, first_seen_at, last_seen_at, updated_at
        {%- for column in attribute_columns %}, cast(null as {{ dbt.type_string() }}) as {{ column }}{% endfor %}
    from {{ rel }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select
    {{ dbt.concat(['source', "'|'", 'source_key']) }} as record_key,
    source,
    source_key,
    least(first_seen_at, last_seen_at) as first_seen_at,
    greatest(first_seen_at, last_seen_at) as last_seen_at,
    updated_at,
    person_name,
    display_name,
    birthday,
    gender
from unioned
