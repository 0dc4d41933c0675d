{#- An expression that stops the query with message_sql (a SQL string expression) when evaluated. -#}
{% macro raise_error(message_sql) -%}
    {{ return(adapter.dispatch('raise_error', 'c360')(message_sql)) }}
{%- endmacro %}

{% macro duckdb__raise_error(message_sql) -%}
    error({{ message_sql }})
{%- endmacro %}

{% macro spark__raise_error(message_sql) -%}
    raise_error({{ message_sql }})
{%- endmacro %}

{% macro default__raise_error(message_sql) -%}
    {{ exceptions.raise_compiler_error('raise_error has no implementation for ' ~ adapter.type()) }}
{%- endmacro %}
