{#-
    What the customer card of `c360 serve` shows, one row per customer (published as
    c360.customer_cards), so that a lookup reads one row and passes `card_json` on as it is: the
    profile's key features, the sharer figures, the latest orders (var card_recent_orders) and events
    (var card_recent_events, from customer_events) newest first, and the audiences. Times in it are
    local wall-clock times (var profile_timezone). The person's name, phone and birthday stay in their
    own columns, as published in customers: the service masks them by the caller's scope.
    Sorted by customer_id, so that a lookup reads one row group.
-#}
{%- set profile_fields = [
    'rfm_segment', 'churn_risk', 'churn_probability', 'preferred_channel', 'preferred_promotion_type',
    'is_reachable', 'recommended_contact_channel', 'next_contact_date', 'days_until_birthday',
    'order_count', 'lifetime_net_fen', 'channels', 'aftersale_count', 'open_aftersale_count'] %}
{%- set sharer_fields = {
    'is_sharer': 'profiles.is_sharer', 'referred_order_count': 'profiles.sharer_referred_order_count',
    'referred_sales_fen': 'profiles.sharer_referred_sales_fen', 'top_percent': 'profiles.sharer_top_percent',
    'came_through_sharer_id': 'profiles.first_purchase_sharer_id', 'purchases_via_sharer': 'profiles.purchases_via_sharer'} %}
{%- set profile_record = {} %}
{%- for field in profile_fields %}{% do profile_record.update({field: 'profiles.' ~ field}) %}{% endfor %}
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
    {{ c360.json_text(c360.named_record({
        'gender': 'customers.gender',
        'profile': c360.named_record(profile_record),
        'last_order_at': local_text % 'profiles.last_order_at',
        'sharer': c360.named_record(sharer_fields),
        'orders': 'recent_orders.recent_orders',
        'dynamics': 'recent_events.recent_events',
        'audiences': 'customer_audiences.audiences'})) }} as card_json
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
