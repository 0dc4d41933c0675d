{#-
    The share of each customer's purchases per product category: one row per (customer, category)
    with the purchases that contain it (an order with lines in two categories counts for both, so
    shares can add up to more than 1) and its rank (1 = most purchases, then the most recent,
    then the name).
-#}
with

order_categories as (
    select * from {{ ref('int_profiles__order_categories') }}
),

customer_orders as (
    select * from {{ ref('int_profiles__customer_orders') }}
),

counted as (
    select
        customer_id,
        category,
        count(distinct order_key) as purchase_count,
        max(created_at) as last_purchase_at
    from order_categories
    group by customer_id, category
)

select
    counted.customer_id,
    counted.category,
    counted.purchase_count,
    {{ c360.ratio('counted.purchase_count', 'customer_orders.purchase_count') }} as purchase_share,
    counted.last_purchase_at,
    row_number() over (
        partition by counted.customer_id
        order by counted.purchase_count desc, counted.last_purchase_at desc, counted.category
    ) as category_rank
from counted
inner join customer_orders
    on customer_orders.customer_id = counted.customer_id
