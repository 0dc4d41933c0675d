{#- A string as a Spark SQL literal: Spark reads a backslash in a literal as an escape. -#}
{% macro spark_string_literal(text) -%}
    '{{ text | replace('\\', '\\\\') | replace("'", "\\'") }}'
{%- endmacro %}
