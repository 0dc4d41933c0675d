{#-
    Local calendar helpers of the customer profile (var profile_timezone, Asia/Shanghai by default).
    Written with ANSI `at time zone` / `extract`, which DuckDB and Postgres share; an engine that
    differs adds its own `<adapter>__` version here (Spark: from_utc_timestamp, dayofweek, in a UTC session).
-#}

{#- A timestamptz as the wall-clock time of the profile's time zone (a timestamp without zone). -#}
{% macro local_timestamp(expr) -%}
    {{ return(adapter.dispatch('local_timestamp', 'c360')(expr)) }}
{%- endmacro %}

{% macro default__local_timestamp(expr) -%}
    ({{ expr }} at time zone '{{ var("profile_timezone", "Asia/Shanghai") }}')
{%- endmacro %}

{% macro spark__local_timestamp(expr) -%}
    from_utc_timestamp({{ expr }}, '{{ var("profile_timezone", "Asia/Shanghai") }}')
{%- endmacro %}


{#- The instant at which a date begins in the profile's time zone (a timestamptz). -#}
{% macro local_midnight(date_expr) -%}
    {{ return(adapter.dispatch('local_midnight', 'c360')(date_expr)) }}
{%- endmacro %}

{#- `at time zone` on a timestamp without zone reads it as wall-clock time there. -#}
{% macro default__local_midnight(date_expr) -%}
    {{ c360.local_timestamp('cast(' ~ date_expr ~ ' as ' ~ dbt.type_timestamp() ~ ')') }}
{%- endmacro %}

{% macro spark__local_midnight(date_expr) -%}
    to_utc_timestamp(cast({{ date_expr }} as timestamp), '{{ var("profile_timezone", "Asia/Shanghai") }}')
{%- endmacro %}


{#- The local calendar date of a timestamptz. -#}
{% macro local_date(expr) -%}
    cast({{ c360.local_timestamp(expr) }} as date)
{%- endmacro %}


{#- Hour of day 0-23 of a (local) timestamp. -#}
{% macro hour_of_day(expr) -%}
    {{ return(adapter.dispatch('hour_of_day', 'c360')(expr)) }}
{%- endmacro %}

{% macro default__hour_of_day(expr) -%}
    cast(extract(hour from {{ expr }}) as {{ dbt.type_int() }})
{%- endmacro %}


{#- ISO weekday of a (local) timestamp or date: 1 = Monday ... 7 = Sunday. -#}
{% macro iso_weekday(expr) -%}
    {{ return(adapter.dispatch('iso_weekday', 'c360')(expr)) }}
{%- endmacro %}

{% macro default__iso_weekday(expr) -%}
    cast(extract(isodow from {{ expr }}) as {{ dbt.type_int() }})
{%- endmacro %}

{% macro spark__iso_weekday(expr) -%}
    (((dayofweek({{ expr }}) + 5) % 7) + 1)
{%- endmacro %}


{#- `n` days after a date, as a date. -#}
{% macro add_days(date_expr, n) -%}
    {{ return(adapter.dispatch('add_days', 'c360')(date_expr, n)) }}
{%- endmacro %}

{% macro default__add_days(date_expr, n) -%}
    cast({{ dbt.dateadd('day', n, date_expr) }} as date)
{%- endmacro %}

{#- dbt-spark's dateadd round-trips through unix seconds and repeats its argument: nested, as in the
    birthday's date, it grew customer_profiles to 21,000 lines and its plan past a 2 GB heap. -#}
{% macro spark__add_days(date_expr, n) -%}
    date_add(cast({{ date_expr }} as date), cast({{ n }} as int))
{%- endmacro %}


{#- `n` months after a date, as a date (the month's last day when the day is past it). -#}
{% macro add_months(date_expr, n) -%}
    {{ return(adapter.dispatch('add_months', 'c360')(date_expr, n)) }}
{%- endmacro %}

{% macro default__add_months(date_expr, n) -%}
    cast({{ dbt.dateadd('month', n, date_expr) }} as date)
{%- endmacro %}

{% macro spark__add_months(date_expr, n) -%}
    add_months(cast({{ date_expr }} as date), cast({{ n }} as int))
{%- endmacro %}


{#- Whole days from date `a` to date `b` (b - a). -#}
{% macro days_between(a, b) -%}
    {{ return(adapter.dispatch('days_between', 'c360')(a, b)) }}
{%- endmacro %}

{% macro default__days_between(a, b) -%}
    cast({{ dbt.datediff(a, b, 'day') }} as {{ dbt.type_int() }})
{%- endmacro %}

{% macro spark__days_between(a, b) -%}
    datediff(cast({{ b }} as date), cast({{ a }} as date))
{%- endmacro %}


{#-
    The anniversary (a birthday) of month `m`, day `d` in the year starting at `year_start` (a date,
    1 January): 29 February falls on 28 February in a year without it.
-#}
{% macro anniversary_in_year(year_start, m, d) -%}
    {%- set month_start = c360.add_months(year_start, '(' ~ m ~ ') - 1') -%}
    {{ c360.add_days(month_start, 'least(' ~ d ~ ', ' ~ c360.days_in_month(month_start) ~ ') - 1') }}
{%- endmacro %}


{#- The number of days of a date's month. -#}
{% macro days_in_month(date_expr) -%}
    {{ return(adapter.dispatch('days_in_month', 'c360')(date_expr)) }}
{%- endmacro %}

{% macro default__days_in_month(date_expr) -%}
    extract(day from {{ dbt.last_day(date_expr, 'month') }})
{%- endmacro %}

{% macro spark__days_in_month(date_expr) -%}
    day(last_day({{ date_expr }}))
{%- endmacro %}
