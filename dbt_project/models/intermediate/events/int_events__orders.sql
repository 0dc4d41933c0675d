{#-
    The dynamics of every order in its buyer's history: placed (created_at), paid when the order paid
    anything (orders.paid_amount_fen > 0: at the shop lines' first pay_time; an app or web order is paid
    at checkout, at created_at),
    its latest status when that is past paid (shipped, completed, cancelled, refunded,
    partially_refunded: at updated_at, the only time the exports give for it, but never before the
    payment), and each of its
    after-sales: opened (create_time) and, once settled, its outcome (seed profile_aftersale_outcomes)
    at update_time. Orders without a customer are left out.
-#}
with

orders as (
    select * from {{ ref('orders') }}
    where customer_id is not null
),

shop_lines as (
    select * from {{ ref('int_orders__shop_lines') }}
),

aftersales as (
    select * from {{ ref('int_orders__shop_aftersales') }}
),

outcomes as (
    select * from {{ ref('profile_aftersale_outcomes') }}
),

shop_paid as (
    select order_key, min(pay_time) as paid_at
    from shop_lines
    where pay_time is not null
    group by order_key
),

placed as (
    select
        {{ dbt.concat(['order_key', "'|order_placed'"]) }} as event_key,
        customer_id, created_at as event_at, 'order_placed' as event_type, channel, order_key,
        paid_amount_fen as amount_fen, source_status as detail, 1 as order_step
    from orders
),

paid as (
    select
        {{ dbt.concat(['orders.order_key', "'|order_paid'"]) }} as event_key,
        orders.customer_id,
        coalesce(shop_paid.paid_at, orders.created_at) as event_at,
        'order_paid' as event_type,
        orders.channel,
        orders.order_key,
        orders.paid_amount_fen as amount_fen,
        cast(null as {{ dbt.type_string() }}) as detail,
        2 as order_step
    from orders
    left join shop_paid
        on shop_paid.order_key = orders.order_key
    where orders.paid_amount_fen > 0
),

latest_status as (
    -- a status past paid is never before the payment: some exports write update_time to the minute,
    -- so an order shipped in the minute it was paid would otherwise be shipped seconds before it
    select
        {{ dbt.concat(['orders.order_key', "'|order_'", 'orders.status']) }} as event_key,
        orders.customer_id,
        case
            when orders.status <> 'cancelled' and shop_paid.paid_at > coalesce(orders.updated_at, orders.created_at)
                then shop_paid.paid_at
            else coalesce(orders.updated_at, orders.created_at)
        end as event_at,
        {{ dbt.concat(["'order_'", 'orders.status']) }} as event_type,
        orders.channel,
        orders.order_key,
        case when orders.status in ('refunded', 'partially_refunded') then orders.refunded_amount_fen else orders.net_amount_fen end as amount_fen,
        orders.source_status as detail,
        3 as order_step
    from orders
    left join shop_paid
        on shop_paid.order_key = orders.order_key
    where orders.status not in ('pending_payment', 'paid')
),

aftersale_opened as (
    select
        {{ dbt.concat(['aftersales.channel', "':'", 'aftersales.aftersale_id', "'|aftersale_opened'"]) }} as event_key,
        orders.customer_id,
        aftersales.create_time as event_at,
        'aftersale_opened' as event_type,
        orders.channel,
        orders.order_key,
        aftersales.refund_amount_fen as amount_fen,
        aftersales.type as detail,
        4 as order_step
    from aftersales
    inner join orders
        on orders.order_key = aftersales.order_key
),

aftersale_settled as (
    select
        {{ dbt.concat(['aftersales.channel', "':'", 'aftersales.aftersale_id', "'|aftersale_'", 'outcomes.outcome']) }} as event_key,
        orders.customer_id,
        aftersales.update_time as event_at,
        {{ dbt.concat(["'aftersale_'", 'outcomes.outcome']) }} as event_type,
        orders.channel,
        orders.order_key,
        aftersales.refund_amount_fen as amount_fen,
        aftersales.status as detail,
        5 as order_step
    from aftersales
    inner join orders
        on orders.order_key = aftersales.order_key
    inner join outcomes
        on outcomes.status = aftersales.status
        and not outcomes.is_open
)

select * from placed
union all
select * from paid
union all
select * from latest_status
union all
select * from aftersale_opened
union all
select * from aftersale_settled
