{#-
    The date the profile is computed as of (one row). var as_of_date when set; otherwise the latest
    local date (var profile_timezone) of any order or touchpoint in the data, so that the same data
    always gives the same profile (the wall clock is never read). The churn backtest scores as of
    backtest_cutoff_date = as_of_date - churn_horizon_days and watches the horizon after it.
-#}
{%- set as_of_var = var('as_of_date', none) %}
{%- set horizon = var('churn_horizon_days') | int %}

with

orders as (
    select * from {{ ref('orders') }}
),

messages as (
    select * from {{ ref('stg_touchpoints__messages') }}
),

activity as (
    select {{ c360.local_date('created_at') }} as activity_date from orders
    union all
    select {{ c360.local_date('sent_at') }} as activity_date from messages
),

latest_activity as (
    select max(activity_date) as latest_activity_date
    from activity
),

chosen as (
    select
        {%- if as_of_var %}
        cast('{{ as_of_var }}' as date) as as_of_date,
        'var' as as_of_source,
        {%- else %}
        latest_activity_date as as_of_date,
        'latest_activity' as as_of_source,
        {%- endif %}
        latest_activity_date
    from latest_activity
)

select
    as_of_date,
    as_of_source,
    latest_activity_date,
    {{ horizon }} as churn_horizon_days,
    {{ c360.add_days('as_of_date', -horizon) }} as backtest_cutoff_date
from chosen
