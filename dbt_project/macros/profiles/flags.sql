{#- Per customer: whether any of their records in `records` (joined to customer_xref as `xref_source`
    on `key_column`) has `flag` true; a missing flag counts as false. Needs an `xref` CTE in scope. -#}
{% macro any_flag_per_customer(records, xref_source, key_column, flag, alias) -%}
    select
        xref.customer_id,
        {{ dbt.bool_or('coalesce(' ~ records ~ '.' ~ flag ~ ', false)') }} as {{ alias }}
    from {{ records }}
    inner join xref
        on xref.source = '{{ xref_source }}'
        and xref.source_key = {{ records }}.{{ key_column }}
    group by xref.customer_id
{%- endmacro %}
