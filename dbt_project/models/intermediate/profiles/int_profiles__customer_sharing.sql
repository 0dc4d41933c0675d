{#-
    Per customer who is a sharer (a row of miniprogram/sharers resolved to them): the orders their
    sharer ids referred up to the as-of date, counted as sharers counts them (status paid, shipped,
    completed or partially_refunded; any buyer, even an unresolved one) with their net sales, and
    their standing among the sharers who referred anything: sharer_top_percent = 100 * rank by
    sales (1 = most) / number of such customers, rounded up (top 20% <=> sharer_top_percent <= 20).
-#}
with

sharers as (
    select * from {{ ref('sharers') }}
),

orders as (
    select * from {{ ref('orders') }}
),

as_of as (
    select * from {{ ref('int_profiles__as_of') }}
),

referred as (
    select
        orders.sharer_id,
        count(*) as referred_orders,
        {{ c360.sum_bigint('orders.net_amount_fen') }} as referred_sales_fen
    from orders
    cross join as_of
    where orders.sharer_id is not null
      and orders.status in ('paid', 'shipped', 'completed', 'partially_refunded')
      and {{ c360.local_date('orders.created_at') }} <= as_of.as_of_date
    group by orders.sharer_id
),

per_customer as (
    select
        sharers.customer_id,
        count(*) as sharer_id_count,
        coalesce({{ c360.sum_bigint('referred.referred_orders') }}, 0) as sharer_referred_order_count,
        coalesce({{ c360.sum_bigint('referred.referred_sales_fen') }}, 0) as sharer_referred_sales_fen
    from sharers
    left join referred
        on referred.sharer_id = sharers.sharer_id
    where sharers.customer_id is not null
    group by sharers.customer_id
),

ranked as (
    select
        customer_id,
        cast(ceil(100.0 * rank() over (order by sharer_referred_sales_fen desc)
                  / count(*) over ()) as {{ dbt.type_int() }}) as sharer_top_percent
    from per_customer
    where sharer_referred_order_count > 0
)

select
    per_customer.customer_id,
    per_customer.sharer_id_count,
    per_customer.sharer_referred_order_count,
    per_customer.sharer_referred_sales_fen,
    ranked.sharer_top_percent
from per_customer
left join ranked
    on ranked.customer_id = per_customer.customer_id
