{#- Fails on every group (by `group_by`) holding more than one distinct value of `column`. -#}
{% test one_value_per_group(model, group_by, column) %}
    select {{ group_by }}, count(distinct {{ column }}) as distinct_values
    from {{ model }}
    group by {{ group_by }}
    having count(distinct {{ column }}) > 1
{% endtest %}
