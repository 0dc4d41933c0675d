{#-
    One row per order of a customer (orders with a customer_id) placed on or before the as-of date,
    with what the profile reads from it: local time (var profile_timezone), whether it is a purchase
    (paid at some point: any status but pending_payment and cancelled), the promotion (shop
    orders: their promotion_type; app and web orders: 'coupon' when a coupon code was used),
    whether it was placed in a Channels live room, and the app device.
-#}
with

orders as (
    select * from {{ ref('orders') }}
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

as_of as (
    select * from {{ ref('int_profiles__as_of') }}
),

live_orders as (
    select
        order_id,
        {{ dbt.bool_or("order_scene = '2' or live_id is not null") }} as is_live_order
    from channels_lines
    group by order_id
),

localised as (
    select
        orders.order_key,
        orders.customer_id,
        orders.channel,
        orders.order_id,
        orders.created_at,
        {{ c360.local_timestamp('orders.created_at') }} as created_local_at,
        {{ c360.local_date('orders.created_at') }} as created_date,
        orders.status,
        orders.status not in ('pending_payment', 'cancelled') as is_purchase,
        cast(orders.paid_amount_fen as {{ dbt.type_bigint() }}) as paid_amount_fen,
        cast(orders.refunded_amount_fen as {{ dbt.type_bigint() }}) as refunded_amount_fen,
        cast(orders.net_amount_fen as {{ dbt.type_bigint() }}) as net_amount_fen,
        case
            when orders.channel in ('miniprogram', 'channels') then coalesce(orders.promotion_type, 'none')
            when coalesce(app_orders.coupon_code, web_orders.coupon_code) is not null then 'coupon'
            else 'none'
        end as promotion_type,
        coalesce(live_orders.is_live_order, false) as is_live_order,
        orders.sharer_id,
        app_orders.device_id
    from orders
    left join live_orders
        on orders.channel = 'channels'
        and live_orders.order_id = orders.order_id
    left join app_orders
        on orders.channel = 'app'
        and app_orders.order_id = orders.order_id
    left join web_orders
        on orders.channel = 'web'
        and web_orders.order_id = orders.order_id
    where orders.customer_id is not null
)

select
    localised.order_key,
    localised.customer_id,
    localised.channel,
    localised.order_id,
    localised.created_at,
    localised.created_date,
    {{ c360.hour_of_day('localised.created_local_at') }} as created_hour,
    {{ c360.iso_weekday('localised.created_local_at') }} as created_weekday,
    {{ c360.days_between('localised.created_date', 'as_of.as_of_date') }} as days_before_as_of,
    localised.status,
    localised.is_purchase,
    localised.paid_amount_fen,
    localised.refunded_amount_fen,
    localised.net_amount_fen,
    localised.promotion_type,
    localised.is_live_order,
    localised.sharer_id,
    localised.device_id
from localised
cross join as_of
where localised.created_date <= as_of.as_of_date
