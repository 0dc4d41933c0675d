{#-
    One row per shop order (mini program store, Channels shop) in its latest state:
      - order-level fields from the most recently updated line (they repeat on every line);
      - status by the contract's table, then overridden by money refunded in successful after-sales
        (all of what was paid -> refunded, part of it -> partially_refunded);
      - paid = the lines' paid_amount_fen + the order's freight (line 1), 0 when never paid;
      - refunded = the successful after-sales' refund_amount_fen (a whole-order after-sale
        refunds lines and freight), never more than was paid.
-#}
with

lines as (
    select * from {{ ref('int_orders__shop_lines') }}
),

aftersales as (
    select * from {{ ref('int_orders__shop_aftersales') }}
),

status_map as (
    select * from {{ ref('order_status_map') }}
    where channel_family = 'shop'
),

latest_line as (
    select *
    from (
        select
            *,
            row_number() over (
                partition by order_key
                order by update_time desc, _file_date desc, _row_number desc, line_no
            ) as recency_rank
        from lines
    ) as ranked
    where recency_rank = 1
),

line_totals as (
    select
        order_key,
        cast(sum(coalesce(paid_amount_fen, 0)) as {{ dbt.type_bigint() }}) as lines_paid_fen,
        coalesce(max(case when line_no = 1 then freight_fen end), max(freight_fen), 0) as freight_fen,
        max(case when line_no = 1 then promotion_type end) as first_line_promotion_type,
        min(create_time) as created_at,
        max(update_time) as updated_at,
        count(*) as line_count
    from lines
    group by order_key
),

refunds as (
    select
        order_key,
        cast(sum(refund_amount_fen) as {{ dbt.type_bigint() }}) as refunded_fen
    from aftersales
    where is_refund_success
    group by order_key
),

orders as (
    select
        latest_line.order_key,
        latest_line.channel,
        latest_line.order_id,
        latest_line.buyer_openid,
        latest_line.buyer_unionid,
        latest_line.sharer_openid,
        latest_line.sharer_unionid,
        latest_line.status as source_status,
        status_map.status as mapped_status,
        coalesce(line_totals.first_line_promotion_type, latest_line.promotion_type) as promotion_type,
        latest_line.is_present,
        line_totals.created_at,
        line_totals.updated_at,
        latest_line.pay_time,
        line_totals.line_count,
        case
            when status_map.status in ('pending_payment', 'cancelled') then 0
            else line_totals.lines_paid_fen + line_totals.freight_fen
        end as paid_amount_fen,
        coalesce(refunds.refunded_fen, 0) as successful_refunds_fen
    from latest_line
    inner join line_totals
        on line_totals.order_key = latest_line.order_key
    left join status_map
        on status_map.source_status = cast(latest_line.status as {{ dbt.type_string() }})
    left join refunds
        on refunds.order_key = latest_line.order_key
)

select
    order_key,
    channel,
    order_id,
    buyer_openid,
    buyer_unionid,
    sharer_openid,
    sharer_unionid,
    source_status,
    case
        when paid_amount_fen > 0 and successful_refunds_fen >= paid_amount_fen then 'refunded'
        when paid_amount_fen > 0 and successful_refunds_fen > 0 then 'partially_refunded'
        else mapped_status
    end as status,
    promotion_type,
    is_present,
    created_at,
    updated_at,
    line_count,
    paid_amount_fen,
    least(successful_refunds_fen, paid_amount_fen) as refunded_amount_fen
from orders
