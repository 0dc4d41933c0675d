{#-
    The contract's delta rule: a record key can arrive again in later files; the version with the latest
    update time wins, ties broken by the later file date, then the later row (then the later file name,
    so that the choice is deterministic when two files of one day carry the same version).
    Returns a select of the relation's columns plus `_record_key` (the raw key as one string, the
    staging models' unique key) and `_version_rank`, filtered to the winners.

    Staging models are incremental (see staging_incremental.sql): on an incremental build only the
    keys that arrived in rows loaded since the model's newest `_loaded_at` are ranked again, over every
    version of those keys, and replace their previous winners (delete+insert on `_record_key`).
-#}
{% macro latest_version(relation, key_columns, updated_column='update_time') -%}
    {%- set record_key = c360.record_key(key_columns) -%}
    select *
    from (
        select
            *,
            {{ record_key }} as _record_key,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by {{ updated_column }} desc, _file_date desc, _row_number desc, _source_file desc
            ) as _version_rank
        from {{ relation }}
        {%- if c360.staging_builds_incrementally() %}
        where {{ record_key }} in (
            select {{ record_key }}
            from {{ relation }}
            -- from empty (after a reset) every key is new
            where _loaded_at > coalesce(
                (select max(_loaded_at) from {{ this }}),
                cast('1900-01-01' as {{ dbt.type_timestamp() }})
            )
        )
        {%- endif %}
    ) as versions
    where _version_rank = 1
{%- endmacro %}


{#- The raw key columns as one non-null string ('|' between the parts of a composite key). -#}
{% macro record_key(key_columns) -%}
    {%- set parts = [] -%}
    {%- for column in key_columns -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '')") -%}
        {%- if not loop.last %}{% do parts.append("'|'") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.concat(parts) if parts | length > 1 else parts[0] }}
{%- endmacro %}
