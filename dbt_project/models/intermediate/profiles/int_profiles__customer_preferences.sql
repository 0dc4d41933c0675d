{#-
    Per customer with an order: the most frequent value of a few order attributes (the mode), with
    ties going to the value used most recently, then the smallest:
      preferred_channel          the channel with the most purchases, then the most orders
                                 (so a customer whose orders were all cancelled still has one)
      preferred_order_hour       local hour 0-23 of the most purchases
      preferred_order_weekday    local ISO weekday 1 (Monday) - 7 of the most purchases
      preferred_promotion_type   the promotion of the most purchases, 'none' left out
    One pass: the attributes unpivoted to (customer, attribute, value) rows, counted, ranked.
-#}
with

orders as (
    select * from {{ ref('int_profiles__orders') }}
),

attributes as (
    select customer_id, 'channel' as attribute, channel as attribute_value, is_purchase, created_at
    from orders
    union all
    select customer_id, 'hour' as attribute, cast(created_hour as {{ dbt.type_string() }}), is_purchase, created_at
    from orders
    where is_purchase
    union all
    select customer_id, 'weekday' as attribute, cast(created_weekday as {{ dbt.type_string() }}), is_purchase, created_at
    from orders
    where is_purchase
    union all
    select customer_id, 'promotion' as attribute, promotion_type, is_purchase, created_at
    from orders
    where is_purchase
      and promotion_type <> 'none'
),

counted as (
    select
        customer_id,
        attribute,
        attribute_value,
        {{ c360.count_where("is_purchase") }} as purchases,
        count(*) as orders,
        max(created_at) as last_used_at
    from attributes
    group by customer_id, attribute, attribute_value
),

ranked as (
    select
        *,
        row_number() over (
            partition by customer_id, attribute
            order by purchases desc, orders desc, last_used_at desc, attribute_value
        ) as preference_rank
    from counted
)

select
    customer_id,
    max(case when attribute = 'channel' then attribute_value end) as preferred_channel,
    cast(max(case when attribute = 'hour' then attribute_value end) as {{ dbt.type_int() }}) as preferred_order_hour,
    cast(max(case when attribute = 'weekday' then attribute_value end) as {{ dbt.type_int() }}) as preferred_order_weekday,
    max(case when attribute = 'promotion' then attribute_value end) as preferred_promotion_type
from ranked
where preference_rank = 1
group by customer_id
