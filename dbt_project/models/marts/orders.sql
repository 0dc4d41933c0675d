{#- One row per order of every channel in its latest state, belonging to its buyer's customer. -#}
with

orders as (
    select * from {{ ref('int_orders__unioned') }}
),

resolved as (
    select * from {{ ref('int_identity__resolved_records') }}
)

select
    orders.order_key,
    orders.channel,
    orders.order_id,
    resolved.customer_id,
    orders.created_at,
    orders.updated_at,
    orders.status,
    orders.source_status,
    orders.paid_amount_fen,
    orders.refunded_amount_fen,
    orders.net_amount_fen,
    orders.promotion_type,
    orders.sharer_id,
    orders.buyer_record_key
from orders
left join resolved
    on resolved.record_key = orders.buyer_record_key
