{#- Fails on every non-null value of the column that does not match the whole regular expression. -#}
{% test matches_pattern(model, column_name, pattern) %}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} is not null
      and not {{ c360.regexp_full_match(column_name, pattern) }}
{% endtest %}
