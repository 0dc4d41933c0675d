{#-
    Per customer: the after-sales of their shop orders requested on or before the as-of date
    (local date of create_time), how many are still open (seed profile_aftersale_outcomes) and
    the latest one (by create_time, then update_time) with its status and outcome.
-#}
with

mp_aftersales as (
    select * from {{ ref('stg_miniprogram__aftersales') }}
),

channels_aftersales as (
    select * from {{ ref('stg_channels__aftersales') }}
),

outcomes as (
    select * from {{ ref('profile_aftersale_outcomes') }}
),

profile_orders as (
    select * from {{ ref('int_profiles__orders') }}
),

as_of as (
    select * from {{ ref('int_profiles__as_of') }}
),

aftersales as (
    select 'miniprogram' as channel, aftersale_id, order_id, type, status, create_time, update_time
    from mp_aftersales
    union all
    select 'channels' as channel, aftersale_id, order_id, type, status, create_time, update_time
    from channels_aftersales
),

customer_aftersales as (
    select
        profile_orders.customer_id,
        aftersales.aftersale_id,
        aftersales.type,
        aftersales.status,
        coalesce(outcomes.outcome, 'open') as outcome,
        coalesce(outcomes.is_open, true) as is_open,
        aftersales.create_time,
        row_number() over (
            partition by profile_orders.customer_id
            order by aftersales.create_time desc, aftersales.update_time desc, aftersales.aftersale_id desc
        ) as recency_rank
    from aftersales
    inner join profile_orders
        on profile_orders.order_key = {{ dbt.concat(['aftersales.channel', "':'", 'aftersales.order_id']) }}
    cross join as_of
    left join outcomes
        on outcomes.status = aftersales.status
    where {{ c360.local_date('aftersales.create_time') }} <= as_of.as_of_date
)

select
    customer_id,
    count(*) as aftersale_count,
    {{ c360.count_where("is_open") }} as open_aftersale_count,
    max(case when recency_rank = 1 then create_time end) as last_aftersale_at,
    max(case when recency_rank = 1 then type end) as last_aftersale_type,
    max(case when recency_rank = 1 then status end) as last_aftersale_status,
    max(case when recency_rank = 1 then outcome end) as last_aftersale_outcome
from customer_aftersales
group by customer_id
