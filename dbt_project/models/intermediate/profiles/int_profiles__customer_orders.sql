{#-
    Per customer with an order: value, windows, orders per channel, promotion use, refunds and the
    channel journey, in one pass over int_profiles__orders (orders up to the as-of date).
    Counts per channel are over all orders; promotion shares, refunds and windows over purchases
    (orders ever paid). Windows count purchases dated in the last N local days up to the as-of date.
    The first and last purchase are the earliest and latest by created_at (then order_key).
-#}
{%- set order_channels = var('profile_order_channels') %}
{%- set promotion_types = var('profile_promotion_types') %}

with

orders as (
    select * from {{ ref('int_profiles__orders') }}
),

ranked_purchases as (
    select
        customer_id,
        order_key,
        channel,
        created_at,
        is_live_order,
        sharer_id,
        row_number() over (partition by customer_id order by created_at, order_key) as first_rank,
        row_number() over (partition by customer_id order by created_at desc, order_key desc) as last_rank
    from orders
    where is_purchase
),

first_purchases as (
    select * from ranked_purchases where first_rank = 1
),

last_purchases as (
    select * from ranked_purchases where last_rank = 1
),

aggregated as (
    select
        orders.customer_id,
        count(*) as order_count,
        {{ c360.count_where("orders.is_purchase") }} as purchase_count,
        {{ c360.sum_bigint('orders.paid_amount_fen') }} as lifetime_paid_fen,
        {{ c360.sum_bigint('orders.refunded_amount_fen') }} as lifetime_refunded_fen,
        {{ c360.sum_bigint('orders.net_amount_fen') }} as lifetime_net_fen,
        {%- for days in [30, 90, 365] %}
        {{ c360.sum_bigint('case when orders.is_purchase and orders.days_before_as_of < ' ~ days ~ ' then orders.net_amount_fen else 0 end') }} as net_spend_{{ days }}d_fen,
        {%- endfor %}
        min(orders.created_at) as first_order_at,
        max(orders.created_at) as last_order_at,
        max(orders.created_date) as last_order_date,
        min(case when orders.is_purchase then orders.created_at end) as first_purchase_at,
        max(case when orders.is_purchase then orders.created_at end) as last_purchase_at,
        max(case when orders.is_purchase then orders.created_date end) as last_purchase_date,
        {%- for channel in order_channels %}
        {{ c360.count_where("orders.channel = '" ~ channel ~ "'") }} as orders_{{ channel }},
        {%- endfor %}
        count(distinct case when orders.is_purchase then orders.channel end) as purchase_channel_count,
        {%- for promotion in promotion_types %}
        {{ c360.count_where("orders.is_purchase and orders.promotion_type = '" ~ promotion ~ "'") }} as purchases_{{ promotion }},
        {%- endfor %}
        {{ c360.count_where("orders.is_purchase and orders.promotion_type <> 'none'") }} as purchases_with_promotion,
        {{ c360.count_where("orders.is_purchase and orders.refunded_amount_fen > 0") }} as refunded_purchase_count,
        {{ c360.count_where("orders.is_purchase and orders.sharer_id is not null") }} as purchases_via_sharer,
        {{ dbt.bool_or("orders.is_purchase and orders.channel = 'miniprogram' and orders.created_at > first_purchases.created_at") }}
            as later_miniprogram_purchase
    from orders
    left join first_purchases
        on first_purchases.customer_id = orders.customer_id
    group by orders.customer_id
)

select
    aggregated.customer_id,
    aggregated.order_count,
    aggregated.purchase_count,
    aggregated.lifetime_paid_fen,
    aggregated.lifetime_refunded_fen,
    aggregated.lifetime_net_fen,
    cast(round({{ c360.ratio('aggregated.lifetime_paid_fen', 'aggregated.purchase_count') }}) as {{ dbt.type_bigint() }}) as avg_order_value_fen,
    aggregated.net_spend_30d_fen,
    aggregated.net_spend_90d_fen,
    aggregated.net_spend_365d_fen,
    aggregated.first_order_at,
    aggregated.last_order_at,
    aggregated.last_order_date,
    aggregated.first_purchase_at,
    aggregated.last_purchase_at,
    aggregated.last_purchase_date,
    {%- for channel in order_channels %}
    aggregated.orders_{{ channel }},
    {%- endfor %}
    aggregated.purchase_channel_count,
    first_purchases.channel as first_purchase_channel,
    last_purchases.channel as last_purchase_channel,
    aggregated.purchase_channel_count > 1 as moved_channels,
    first_purchases.is_live_order as first_purchase_in_live,
    coalesce(first_purchases.is_live_order and aggregated.later_miniprogram_purchase, false) as live_to_miniprogram,
    first_purchases.sharer_id as first_purchase_sharer_id,
    aggregated.purchases_via_sharer,
    {%- for promotion in promotion_types %}
    {{ c360.ratio('aggregated.purchases_' ~ promotion, 'aggregated.purchase_count') }} as promo_share_{{ promotion }},
    {%- endfor %}
    {{ c360.ratio('aggregated.purchases_with_promotion', 'aggregated.purchase_count') }} as promotion_share,
    aggregated.refunded_purchase_count,
    {{ c360.ratio('aggregated.refunded_purchase_count', 'aggregated.purchase_count') }} as refund_rate
from aggregated
left join first_purchases
    on first_purchases.customer_id = aggregated.customer_id
left join last_purchases
    on last_purchases.customer_id = aggregated.customer_id
