{#-
    Per buyer (a customer with a purchase on or before the as-of date): recency, frequency and
    monetary value, their quintile scores among all buyers (1-5, 5 = best; ties share the lower
    score, see macro quintile_score), the named segment of the seed profile_rfm_segments (the
    matching row with the lowest priority) and the churn probability of macro purchase_history.
-#}
with

orders as (
    select * from {{ ref('int_profiles__orders') }}
),

as_of as (
    select * from {{ ref('int_profiles__as_of') }}
),

segments as (
    select * from {{ ref('profile_rfm_segments') }}
),

history as (
    {{ c360.purchase_history('orders', 'as_of', 'as_of_date') }}
),

scored as (
    select
        *,
        {{ c360.quintile_score('recency_days desc') }} as recency_score,
        {{ c360.quintile_score('purchase_count') }} as frequency_score,
        {{ c360.quintile_score('monetary_fen') }} as monetary_score
    from history
),

scores as (
    {%- for score in range(1, 6) %}
    select {{ score }} as score
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

cells as (
    select
        r.score as recency_score,
        f.score as frequency_score,
        m.score as monetary_score,
        segments.segment,
        row_number() over (
            partition by r.score, f.score, m.score
            order by segments.priority
        ) as rule_rank
    from scores as r
    cross join scores as f
    cross join scores as m
    inner join segments
        on r.score between segments.r_min and segments.r_max
        and f.score between segments.f_min and segments.f_max
        and m.score between segments.m_min and segments.m_max
)

select
    scored.customer_id,
    scored.purchase_count,
    scored.purchase_days,
    scored.monetary_fen,
    scored.first_purchase_date,
    scored.last_purchase_date,
    scored.recency_days,
    scored.age_days,
    scored.recency_score,
    scored.frequency_score,
    scored.monetary_score,
    {{ dbt.concat(['cast(scored.recency_score as ' ~ dbt.type_string() ~ ')',
                   'cast(scored.frequency_score as ' ~ dbt.type_string() ~ ')',
                   'cast(scored.monetary_score as ' ~ dbt.type_string() ~ ')']) }} as rfm_cell,
    cells.segment as rfm_segment,
    scored.churn_probability,
    {{ c360.churn_risk_band('scored.churn_probability') }} as churn_risk
from scored
left join cells
    on cells.recency_score = scored.recency_score
    and cells.frequency_score = scored.frequency_score
    and cells.monetary_score = scored.monetary_score
    and cells.rule_rank = 1
