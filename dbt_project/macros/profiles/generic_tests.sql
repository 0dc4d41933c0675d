{#- Fails for every value of `field` in `to` that is not in `column_name` of the model exactly once. -#}
{% test one_row_per(model, column_name, to, field) %}
    select
        expected.{{ field }} as missing_or_repeated,
        count(actual.{{ column_name }}) as rows_in_model
    from {{ to }} as expected
    left join {{ model }} as actual
        on actual.{{ column_name }} = expected.{{ field }}
    group by expected.{{ field }}
    having count(actual.{{ column_name }}) <> 1
{% endtest %}


{#- Fails unless the model has exactly `expected` rows. -#}
{% test row_count_is(model, expected) %}
    select count(*) as row_count
    from {{ model }}
    having count(*) <> {{ expected }}
{% endtest %}
