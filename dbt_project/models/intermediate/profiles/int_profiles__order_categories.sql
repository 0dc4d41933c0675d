{#-
    The product categories of each purchase of a customer: every distinct category of a shop order's
    lines, the main category of an app or web order. One row per (order, category).
-#}
with

mp_lines as (
    select * from {{ ref('stg_miniprogram__orders') }}
),

channels_lines as (
    select * from {{ ref('stg_channels__orders') }}
),

app_orders as (
    select * from {{ ref('stg_app__orders') }}
),

web_orders as (
    select * from {{ ref('stg_web__orders') }}
),

profile_orders as (
    select * from {{ ref('int_profiles__orders') }}
),

order_categories as (
    select 'miniprogram' as channel, order_id, category from mp_lines
    union all
    select 'channels' as channel, order_id, category from channels_lines
    union all
    select 'app' as channel, order_id, category from app_orders
    union all
    select 'web' as channel, order_id, category from web_orders
),

keyed as (
    select distinct
        {{ dbt.concat(['channel', "':'", 'order_id']) }} as order_key,
        trim(category) as category
    from order_categories
    where category is not null
      and trim(category) <> ''
)

select
    profile_orders.customer_id,
    profile_orders.order_key,
    keyed.category,
    profile_orders.created_at
from keyed
inner join profile_orders
    on profile_orders.order_key = keyed.order_key
where profile_orders.is_purchase
