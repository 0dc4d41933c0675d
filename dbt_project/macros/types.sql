{#- A timestamp with a time zone (an instant). -#}
{% macro type_timestamptz() -%}
    {{ return(adapter.dispatch('type_timestamptz', 'c360')()) }}
{%- endmacro %}

{% macro default__type_timestamptz() -%}
    timestamp with time zone
{%- endmacro %}

{#- Spark's timestamp is an instant (shown in the session's time zone, UTC: see profiles.yml). -#}
{% macro spark__type_timestamptz() -%}
    timestamp
{%- endmacro %}


{#- This run's start as a timestamptz literal: when registry rows and history rows changed. -#}
{% macro run_started_at_literal() -%}
    cast('{{ run_started_at.isoformat() }}' as {{ c360.type_timestamptz() }})
{%- endmacro %}


{#- A stable customer id derived from a text key: 'C' + 16 upper-case hex digits of its hash. -#}
{% macro customer_id_from_key(key_expr) -%}
    {{ dbt.concat(["'C'", "upper(" ~ dbt.right(dbt.hash(key_expr), 16) ~ ")"]) }}
{%- endmacro %}


{#- Cast text to a date, null when it is not a real date (dbt's safe_cast is a plain cast on DuckDB). -#}
{% macro try_cast_date(expr) -%}
    {{ return(adapter.dispatch('try_cast_date', 'c360')(expr)) }}
{%- endmacro %}

{% macro default__try_cast_date(expr) -%}
    {{ dbt.safe_cast(expr, 'date') }}
{%- endmacro %}

{% macro duckdb__try_cast_date(expr) -%}
    try_cast({{ expr }} as date)
{%- endmacro %}


{#- The SHA-256 of a text as 64 lower-case hex digits. -#}
{% macro sha256_hex(expr) -%}
    {{ return(adapter.dispatch('sha256_hex', 'c360')(expr)) }}
{%- endmacro %}

{% macro default__sha256_hex(expr) -%}
    sha256({{ expr }})
{%- endmacro %}

{% macro spark__sha256_hex(expr) -%}
    sha2({{ expr }}, 256)
{%- endmacro %}
