{#-
    How well the churn probability of customer_profiles ranks who stops buying: the same model
    (macro purchase_history) scored as of backtest_cutoff_date = as_of_date - churn_horizon_days,
    using only purchases dated on or before it, for every customer who had bought by then; a
    positive (churned) is a scored customer with no purchase in the horizon after the cutoff
    (cutoff < date <= as_of_date). One row: the AUC (rank-sum / Mann-Whitney, ties as mid-ranks)
    of churn_probability, and for comparison of recency alone (days since the last purchase).
    scored_customers = 0 and auc null when the data does not reach back past the cutoff.
-#}
with

orders as (
    select * from {{ ref('int_profiles__orders') }}
),

as_of as (
    select * from {{ ref('int_profiles__as_of') }}
),

scored as (
    {{ c360.purchase_history('orders', 'as_of', 'backtest_cutoff_date') }}
),

bought_after_cutoff as (
    select distinct orders.customer_id
    from orders
    cross join as_of
    where orders.is_purchase
      and orders.created_date > as_of.backtest_cutoff_date
      and orders.created_date <= as_of.as_of_date
),

labelled as (
    select
        scored.customer_id,
        scored.churn_probability,
        scored.recency_days,
        bought_after_cutoff.customer_id is null as churned
    from scored
    left join bought_after_cutoff
        on bought_after_cutoff.customer_id = scored.customer_id
),

model_auc as (
    {{ c360.rank_sum_auc('labelled', 'churn_probability', 'churned') }}
),

recency_auc as (
    {{ c360.rank_sum_auc('labelled', 'recency_days', 'churned') }}
),

calibration as (
    select
        count(*) as scored_customers,
        avg(churn_probability) as mean_churn_probability,
        avg(case when churned then 1.0 else 0.0 end) as observed_churn_rate
    from labelled
)

select
    as_of.as_of_date,
    as_of.backtest_cutoff_date,
    as_of.churn_horizon_days,
    calibration.scored_customers,
    coalesce(model_auc.positives, 0) as positives,
    coalesce(model_auc.negatives, 0) as negatives,
    calibration.observed_churn_rate,
    calibration.mean_churn_probability,
    model_auc.auc,
    recency_auc.auc as auc_recency_only
from as_of
cross join calibration
cross join model_auc
cross join recency_auc
