{#-
    One row per resolved person, with the golden record chosen by the survivorship rules documented
    in customers.yml (seed survivorship_source_trust).
-#}
with

resolved as (
    select * from {{ ref('int_identity__resolved_records') }}
),

candidates as (
    select * from {{ ref('int_customers__attribute_candidates') }}
),

orders as (
    select * from {{ ref('orders') }}
),

ranked_candidates as (
    select
        customer_id,
        attribute,
        value,
        origin,
        row_number() over (
            partition by customer_id, attribute
            order by trust, completeness desc, updated_at desc, value
        ) as survivorship_rank
    from candidates
),

best as (
    select
        customer_id,
        max(case when attribute = 'name' then value end) as name,
        max(case when attribute = 'phone' then value end) as phone,
        max(case when attribute = 'email' then value end) as email,
        max(case when attribute = 'birthday' then value end) as birthday,
        max(case when attribute = 'gender' then value end) as gender,
        max(case when attribute = 'name' then origin end) as name_origin,
        max(case when attribute = 'phone' then origin end) as phone_origin
    from ranked_candidates
    where survivorship_rank = 1
    group by customer_id
),

record_figures as (
    select
        customer_id,
        min(customer_id_created_at) as customer_id_created_at,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        count(*) as record_count,
        count(distinct source) as source_count
    from resolved
    group by customer_id
),

order_figures as (
    select
        customer_id,
        min(created_at) as first_order_at,
        max(updated_at) as last_order_update_at
    from orders
    where customer_id is not null
    group by customer_id
)

select
    record_figures.customer_id,
    best.name,
    best.phone,
    best.email,
    best.birthday,
    coalesce(best.gender, 'unknown') as gender,
    least(record_figures.first_seen_at, coalesce(order_figures.first_order_at, record_figures.first_seen_at)) as first_seen_at,
    greatest(record_figures.last_seen_at, coalesce(order_figures.last_order_update_at, record_figures.last_seen_at)) as last_seen_at,
    record_figures.record_count,
    record_figures.source_count,
    best.name_origin,
    best.phone_origin,
    record_figures.customer_id_created_at
from record_figures
left join best
    on best.customer_id = record_figures.customer_id
left join order_figures
    on order_figures.customer_id = record_figures.customer_id
