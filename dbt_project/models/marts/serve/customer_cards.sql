{#-
    What the customer card of `c360 serve` shows, one row per customer (published as
    c360.customer_cards), so that a lookup reads one row: the person (name, phone and birthday as
    published in customers: the service masks them by the caller's scope), the profile's key features
    and sharer figures as typed columns (cheap to read back), and `lists_json`: the latest orders (var
    card_recent_orders) and events (var card_recent_events, from customer_events) newest first and the
    audiences, passed on by the service as they are. Times are local wall-clock text (var
    profile_timezone). Sorted by customer_id.
-#}
{%- set profile_columns = [
    'rfm_segment', 'churn_risk', 'churn_probability', 'preferred_channel', 'preferred_promotion_type',
    'is_reachable', 'recommended_contact_channel', 'next_contact_date', 'days_until_birthday',
    'order_count', 'lifetime_net_fen', 'channels', 'aftersale_count', 'open_aftersale_count',
    'is_sharer', 'sharer_referred_order_count', 'sharer_referred_sales_fen', 'sharer_top_percent',
    'first_purchase_sharer_id', 'purchases_via_sharer'] %}
{%- set local_text = 'cast(' ~ c360.local_timestamp('%s') ~ ' as ' ~ dbt.type_string() ~ ')' %}

with

customers as (
    select * from {{ ref('customers') }}
),

profiles as (
    select * from {{ ref('customer_profiles') }}
),

orders as (
    select * from {{ ref('orders') }}
    where customer_id is not null
),

events as (
    select * from {{ ref('customer_events') }}
),

audiences as (
    select * from {{ ref('audiences') }}
),

latest_orders as (
    select
        *,
        row_number() over (partition by customer_id order by created_at desc, order_key) as recency_rank
    from orders
),

recent_orders as (
    select
        customer_id,
        {{ c360.ordered_list(
            c360.named_record({
                'order_key': 'order_key', 'channel': 'channel', 'created_at': local_text % 'created_at',
                'status': 'status', 'paid_amount_fen': 'paid_amount_fen',
                'refunded_amount_fen': 'refunded_amount_fen', 'net_amount_fen': 'net_amount_fen'}),
            'recency_rank') }} as recent_orders
    from latest_orders
    where recency_rank <= {{ var('card_recent_orders') }}
    group by customer_id
),

latest_events as (
    select
        *,
        row_number() over (partition by customer_id order by event_at desc, order_step desc, event_key) as recency_rank
    from events
),

recent_events as (
    select
        customer_id,
        {{ c360.ordered_list(
            c360.named_record({
                'event_at': local_text % 'event_at', 'event_type': 'event_type', 'channel': 'channel',
                'order_key': 'order_key', 'amount_fen': 'amount_fen', 'detail': 'detail'}),
            'recency_rank') }} as recent_events
    from latest_events
    where recency_rank <= {{ var('card_recent_events') }}
    group by customer_id
),

customer_audiences as (
    select customer_id, {{ c360.sorted_distinct_list('audience') }} as audiences
    from audiences
    group by customer_id
)

select
    customers.customer_id,
    customers.name,
    customers.phone,
    customers.birthday,
    customers.gender,
    {%- for column in profile_columns %}
    profiles.{{ column }},
    {%- endfor %}
    {{ local_text % 'profiles.last_order_at' }} as last_order_at,
    {{ c360.json_text(c360.named_record({
        'orders': 'recent_orders.recent_orders',
        'dynamics': 'recent_events.recent_events',
        'audiences': 'customer_audiences.audiences'})) }} as lists_json
from customers
left join profiles
    on profiles.customer_id = customers.customer_id
left join recent_orders
    on recent_orders.customer_id = customers.customer_id
left join recent_events
    on recent_events.customer_id = customers.customer_id
left join customer_audiences
    on customer_audiences.customer_id = customers.customer_id
order by customers.customer_id
