{#-
    Each buyer's purchase history as of a date, and the churn probability it implies: the one
    definition the profile (as of as_of_date) and the churn backtest (as of backtest_cutoff_date)
    share. `orders` is int_profiles__orders, `as_of` the one-row int_profiles__as_of and
    `date_column` the column of as_of to stop at (purchases dated after it are ignored).

    purchase_count   purchases (orders ever paid) on or before the date
    purchase_days    distinct local dates with a purchase
    monetary_fen     their net_amount_fen
    recency_days     days from the last purchase date to the date
    age_days         days from the first purchase date to the date (tenure as a buyer)
    churn_probability  c360.churn_probability(purchase_days - 1, age_days - recency_days, age_days, horizon)
-#}
{% macro purchase_history(orders, as_of, date_column) -%}
    select
        history.*,
        {{ c360.churn_probability('history.purchase_days - 1', 'history.age_days - history.recency_days',
                                  'history.age_days', 'history.churn_horizon_days') }} as churn_probability
    from (
        select
            orders.customer_id,
            max(as_of.{{ date_column }}) as scored_as_of,
            max(as_of.churn_horizon_days) as churn_horizon_days,
            count(*) as purchase_count,
            count(distinct orders.created_date) as purchase_days,
            {{ c360.sum_bigint('orders.net_amount_fen') }} as monetary_fen,
            min(orders.created_date) as first_purchase_date,
            max(orders.created_date) as last_purchase_date,
            {{ c360.days_between('max(orders.created_date)', 'max(as_of.' ~ date_column ~ ')') }} as recency_days,
            {{ c360.days_between('min(orders.created_date)', 'max(as_of.' ~ date_column ~ ')') }} as age_days
        from {{ orders }} as orders
        cross join {{ as_of }} as as_of
        where orders.is_purchase
          and orders.created_date <= as_of.{{ date_column }}
        group by orders.customer_id
    ) as history
{%- endmacro %}
