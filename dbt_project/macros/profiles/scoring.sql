{#- Scores and ratios of the customer profile. -#}

{#- numerator / denominator as a float, null when the denominator is 0 or null. -#}
{% macro ratio(numerator, denominator) -%}
    (cast({{ numerator }} as {{ c360.type_double() }}) / nullif({{ denominator }}, 0))
{%- endmacro %}


{#-
    Quintile score 1-5 over the rows of the query (a window expression): 5 for the top fifth by
    `order_by` (ascending = better last). Computed from rank(), so ties always share a score (the
    lower one): with most buyers on one purchase, all of them score 1 on frequency.
-#}
{% macro quintile_score(order_by, partition_by=none) -%}
    {%- set over = ('partition by ' ~ partition_by ~ ' ' if partition_by else '') -%}
    cast(1 + floor(cast(5 * (rank() over ({{ over }}order by {{ order_by }}) - 1) as {{ c360.type_double() }})
                   / count(*) over ({{ over | trim }})) as {{ dbt.type_int() }})
{%- endmacro %}


{#-
    Probability that a buyer makes no purchase in the next `horizon_days` days, by the modified
    BG/NBD model (Batislam, Denizel & Filiztekin 2007), from
      x   = repeat purchases (distinct purchase days - 1),
      t_x = days from the first to the last purchase day,
      T   = days from the first purchase day to the as-of date:
        P(alive)                 = 1 / (1 + a / (b + x) * ((alpha + T) / (alpha + t_x)) ^ (r + x))
        P(none in H | alive)     = ((alpha + T) / (alpha + T + H)) ^ (r + x)
        churn_probability        = 1 - P(alive) * (1 - P(none in H | alive))
    (the chance of dying inside the horizon is left out, so the figure is slightly low for long
    horizons). Parameters: var churn_model_parameters (r, alpha_days, a, b).
-#}
{% macro churn_probability(x, t_x, age, horizon_days) -%}
    {%- set p = var('churn_model_parameters') -%}
    {%- set f = c360.type_double() -%}
    {%- set rx = '(' ~ p['r'] ~ ' + cast(' ~ x ~ ' as ' ~ f ~ '))' -%}
    {%- set alpha_t = '(' ~ p['alpha_days'] ~ ' + cast(' ~ age ~ ' as ' ~ f ~ '))' -%}
    (1 - (1 / (1 + {{ p['a'] }} / ({{ p['b'] }} + cast({{ x }} as {{ f }}))
                   * power({{ alpha_t }} / ({{ p['alpha_days'] }} + cast({{ t_x }} as {{ f }})), {{ rx }})))
       * (1 - power({{ alpha_t }} / ({{ alpha_t }} + {{ horizon_days }}), {{ rx }})))
{%- endmacro %}


{#- 'high' / 'medium' / 'low' from a churn probability (var churn_risk_thresholds). -#}
{% macro churn_risk_band(probability) -%}
    {%- set t = var('churn_risk_thresholds') -%}
    case
        when {{ probability }} is null then null
        when {{ probability }} >= {{ t['high'] }} then 'high'
        when {{ probability }} >= {{ t['medium'] }} then 'medium'
        else 'low'
    end
{%- endmacro %}


{#-
    Area under the ROC curve of `score` for the boolean `label` over `relation`, by the rank-sum
    (Mann-Whitney) formula with mid-ranks for ties:
        AUC = (sum of the positives' ranks - n_pos (n_pos + 1) / 2) / (n_pos * n_neg)
    Returns a select of one row: positives, negatives, auc (null without both classes).
-#}
{% macro rank_sum_auc(relation, score, label) -%}
    select
        {{ c360.count_where(label) }} as positives,
        {{ c360.count_where('not ' ~ label) }} as negatives,
        (sum(case when {{ label }} then mid_rank else 0 end)
            - sum(case when {{ label }} then 1 else 0 end) * (sum(case when {{ label }} then 1 else 0 end) + 1) / 2.0)
        / nullif(cast(sum(case when {{ label }} then 1 else 0 end) as {{ c360.type_double() }})
                 * sum(case when {{ label }} then 0 else 1 end), 0) as auc
    from (
        select
            {{ label }},
            rank() over (order by {{ score }})
                + (count(*) over (partition by {{ score }}) - 1) / 2.0 as mid_rank
        from {{ relation }}
    ) as ranked
{%- endmacro %}


{#- A 64-bit float (dbt.type_float() is 32-bit on some engines). -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'c360')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}


{#- How many rows of the group satisfy `condition`, as a bigint. -#}
{% macro count_where(condition) -%}
    cast(sum(case when {{ condition }} then 1 else 0 end) as {{ dbt.type_bigint() }})
{%- endmacro %}


{#- The sum of an integer expression as a bigint (engines widen integer sums to 128 bits). -#}
{% macro sum_bigint(expr) -%}
    cast(sum({{ expr }}) as {{ dbt.type_bigint() }})
{%- endmacro %}
