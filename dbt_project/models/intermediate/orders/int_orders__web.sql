{#-
    Web orders in their latest state: paid = total_yuan in fen (0 when never paid); refunded =
    refunded_yuan, or everything when the order is refunded and says no amount. A guest checkout
    (no customer_id) belongs to its own web.guests record, keyed by the order_id.
-#}
with

web_orders as (
    select * from {{ ref('stg_web__orders') }}
),

status_map as (
    select * from {{ ref('order_status_map') }}
    where channel_family = 'web'
),

mapped as (
    select
        web_orders.*,
        status_map.status as mapped_status,
        cast(round(web_orders.total_yuan * 100) as {{ dbt.type_bigint() }}) as total_fen,
        cast(round(web_orders.refunded_yuan * 100) as {{ dbt.type_bigint() }}) as refunded_fen
    from web_orders
    left join status_map
        on status_map.source_status = web_orders.status
),

priced as (
    select
        *,
        case when mapped_status in ('pending_payment', 'cancelled') then 0 else coalesce(total_fen, 0) end as paid_amount_fen
    from mapped
)

select
    {{ dbt.concat(["'web:'", 'order_id']) }} as order_key,
    'web' as channel,
    order_id,
    customer_id as web_customer_id,
    customer_id is null as is_guest_checkout,
    status as source_status,
    mapped_status as status,
    created_at,
    updated_at,
    paid_amount_fen,
    least(
        paid_amount_fen,
        case
            when mapped_status = 'refunded' then coalesce(refunded_fen, paid_amount_fen)
            when mapped_status = 'partially_refunded' then coalesce(refunded_fen, 0)
            else coalesce(refunded_fen, 0)
        end
    ) as refunded_amount_fen,
    coupon_code
from priced
