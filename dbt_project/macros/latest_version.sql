{#-
    The contract's delta rule: a record key can arrive again in later files; the version with the latest
    update time wins, ties broken by the later file date, then the later row (then the later file name,
    so that the choice is deterministic when two files of one day carry the same version).
    Returns a select of the relation's columns plus `_version_rank`, filtered to the winners.
-#}
{% macro latest_version(relation, key_columns, updated_column='update_time') -%}
    select *
    from (
        select
            *,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by {{ updated_column }} desc, _file_date desc, _row_number desc, _source_file desc
            ) as _version_rank
        from {{ relation }}
    ) as versions
    where _version_rank = 1
{%- endmacro %}
