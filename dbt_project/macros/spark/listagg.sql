{#-
    dbt.listagg on Spark with its order: dbt-spark's own ignores order_by_clause (collect_list keeps no
    order), which makes the text differ from run to run and from DuckDB's. The values are collected with
    their sort key, sorted, and joined. A DISTINCT measure is sorted on itself (the order, if any, must be
    the measure). Only ascending orders.
-#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- set measure = measure | trim -%}
    {%- set is_distinct = measure.lower().startswith('distinct ') -%}
    {%- set value = measure[9:] | trim if is_distinct else measure -%}
    {%- set order_by = (order_by_clause or '') | trim -%}
    {%- if order_by.lower().startswith('order by') -%}{%- set order_by = order_by[8:] | trim -%}{%- endif -%}
    {%- set keys = [] -%}
    {%- for part in order_by.split(',') if part | trim -%}
        {%- if (part | trim).lower().endswith(' desc') -%}
            {{ exceptions.raise_compiler_error('spark__listagg: only ascending orders (' ~ order_by_clause ~ ')') }}
        {%- endif -%}
        {%- do keys.append(part | trim) -%}
    {%- endfor -%}
    {%- if is_distinct -%}
        {%- if keys and keys != [value] -%}
            {{ exceptions.raise_compiler_error('spark__listagg: a distinct measure is ordered by itself (' ~ order_by_clause ~ ')') }}
        {%- endif -%}
        {%- set collected = 'array_sort(collect_set(' ~ value ~ '))' -%}
    {%- elif keys -%}
        {%- set collected = "transform(array_sort(collect_list(named_struct('k', struct(" ~ keys | join(', ')
            ~ "), 'v', " ~ value ~ "))), s -> s.v)" -%}
    {%- else -%}
        {%- set collected = 'collect_list(' ~ value ~ ')' -%}
    {%- endif -%}
    {%- if limit_num -%}{%- set collected = 'slice(' ~ collected ~ ', 1, ' ~ limit_num ~ ')' -%}{%- endif -%}
    array_join({{ collected }}, {{ delimiter_text }})
{%- endmacro %}
