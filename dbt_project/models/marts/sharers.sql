{#-
    One row per sharer (a row of miniprogram/sharers; sharer_id = its sharer_openid) with its
    figures over the orders that name it in status paid, shipped, completed or partially_refunded:
    order_count, sales_fen (their net_amount_fen) and cumulative_commission_fen (their lines'
    commission_fen, less the lines refunded by a successful after-sale of either type; an
    after-sale without line_no refunds every line).
-#}
with

sharers as (
    select * from {{ ref('stg_miniprogram__sharers') }}
),

orders as (
    select * from {{ ref('int_orders__unioned') }}
),

lines as (
    select * from {{ ref('int_orders__shop_lines') }}
),

aftersales as (
    select * from {{ ref('int_orders__shop_aftersales') }}
),

resolved as (
    select * from {{ ref('int_identity__resolved_records') }}
),

counted_orders as (
    select *
    from orders
    where sharer_id is not null
      and status in ('paid', 'shipped', 'completed', 'partially_refunded')
),

refunded_lines as (
    select distinct
        lines.order_key,
        lines.line_no
    from lines
    inner join aftersales
        on aftersales.order_key = lines.order_key
        and (aftersales.covers_whole_order or aftersales.line_no = lines.line_no)
    where aftersales.is_refund_success
),

line_commissions as (
    select
        lines.order_key,
        cast(sum(coalesce(lines.commission_fen, 0)) as {{ dbt.type_bigint() }}) as commission_fen
    from lines
    left join refunded_lines
        on refunded_lines.order_key = lines.order_key
        and refunded_lines.line_no = lines.line_no
    where refunded_lines.order_key is null
    group by lines.order_key
),

figures as (
    select
        counted_orders.sharer_id,
        count(*) as order_count,
        cast(sum(counted_orders.net_amount_fen) as {{ dbt.type_bigint() }}) as sales_fen,
        cast(sum(coalesce(line_commissions.commission_fen, 0)) as {{ dbt.type_bigint() }}) as cumulative_commission_fen
    from counted_orders
    left join line_commissions
        on line_commissions.order_key = counted_orders.order_key
    group by counted_orders.sharer_id
)

select
    sharers.sharer_openid as sharer_id,
    resolved.customer_id,
    cast(sharers.sharer_type as {{ dbt.type_int() }}) as sharer_type,
    sharers.store_id,
    sharers.store_name,
    sharers.sharer_unionid,
    sharers.nickname,
    sharers.bind_time,
    sharers.unbind_time,
    coalesce(figures.order_count, 0) as order_count,
    coalesce(figures.sales_fen, 0) as sales_fen,
    coalesce(figures.cumulative_commission_fen, 0) as cumulative_commission_fen
from sharers
left join figures
    on figures.sharer_id = sharers.sharer_openid
left join resolved
    on resolved.record_key = {{ dbt.concat(["'miniprogram.sharers|'", 'sharers.sharer_openid']) }}
