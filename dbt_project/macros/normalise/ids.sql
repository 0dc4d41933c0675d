{#-
    clean_id(expr, hex=false): an id as a matching key. Surrounding and embedded white space (including
    no-break and full-width spaces) removed, empty -> null, and an id that arrived in scientific
    notation (4.2000012E+19: its digits are lost) -> null, so that it can never join anything (ingestion
    rejects such rows already; this keeps older raw rows from joining). A hex id (a device id such as
    95941962e1331) can look like scientific notation and is kept. Case is kept: openids and unionids are
    case-sensitive.
-#}
{% macro clean_id(expr, hex=false) -%}
    {{ return(adapter.dispatch('clean_id', 'c360')(expr, hex)) }}
{%- endmacro %}

{% macro default__clean_id(expr, hex=false) -%}
    {%- set s = c360.regexp_replace_all(c360.translate_chars(expr, '\u00a0\u3000\u200b\ufeff', '    '), '\\s', '') -%}
    {%- if hex -%}
    nullif({{ s }}, '')
    {%- else -%}
    case
        when {{ c360.regexp_full_match(s, '[0-9]+(\\.[0-9]+)?[eE][+\\-]?[0-9]+') }} then null
        else nullif({{ s }}, '')
    end
    {%- endif -%}
{%- endmacro %}


{#- A list of ids cleaned, nulls dropped. -#}
{% macro clean_id_list(list_expr, hex=false) -%}
    {{ c360.list_map_not_null(list_expr, 'i', c360.clean_id('i', hex)) }}
{%- endmacro %}
