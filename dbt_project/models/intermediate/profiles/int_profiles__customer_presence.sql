{#-
    Per customer: where the person appears and with what.
      channels   every channel of the customer's source records (customer_xref: the part of
                 `source` before the dot: miniprogram, channels, wecom, official_account, app,
                 web, crm), sorted; orders add none, their buyers are source records already
      platforms  those channels' platforms (var profile_platform_of_channel: wechat, app, web,
                 store), sorted
      device_count   distinct app device ids of the customer's app accounts and app orders
      shares_device  one of them is also another customer's (it stopped linking: over its cap)
-#}
{%- set platform_of = var('profile_platform_of_channel') %}

with

xref as (
    select * from {{ ref('customer_xref') }}
),

identifiers as (
    select * from {{ ref('customer_identifiers') }}
),

profile_orders as (
    select * from {{ ref('int_profiles__orders') }}
),

record_channels as (
    select distinct
        customer_id,
        {{ dbt.split_part('source', "'.'", 1) }} as channel
    from xref
),

presence as (
    select
        customer_id,
        {{ c360.sorted_distinct_list('channel') }} as channels,
        count(*) as channel_count,
        {{ c360.sorted_distinct_list('platform') }} as platforms
    from (
        select
            customer_id,
            channel,
            case channel
                {%- for channel, platform in platform_of.items() %}
                when '{{ channel }}' then '{{ platform }}'
                {%- endfor %}
                else 'other'
            end as platform
        from record_channels
    ) as channel_platforms
    group by customer_id
),

devices as (
    select customer_id, id_value as device_id, links
    from identifiers
    where id_type = 'device_id'
    union all
    select customer_id, device_id, true as links
    from profile_orders
    where device_id is not null
),

device_figures as (
    select
        customer_id,
        count(distinct device_id) as device_count,
        {{ dbt.bool_or('not links') }} as shares_device
    from devices
    group by customer_id
)

select
    presence.customer_id,
    presence.channels,
    presence.channel_count,
    presence.platforms,
    coalesce(device_figures.device_count, 0) as device_count,
    coalesce(device_figures.shares_device, false) as shares_device
from presence
left join device_figures
    on device_figures.customer_id = presence.customer_id
