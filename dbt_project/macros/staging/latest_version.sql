{#-
    The contract's delta rule: a record key can arrive again in later files; the version with the latest
    update time wins, ties broken by the later file date, then the later row (then the later file name,
    so that the choice is deterministic when two files of one day carry the same version).
    Returns a select of the raw relation's columns plus `_record_key` (the raw key as one string, the
    staging models' unique key), the winners only.

    Staging models are incremental (see staging_incremental.sql): on an incremental build only the
    keys that arrived in rows loaded since the model's newest `_loaded_at` are ranked again, over every
    version of those keys, and replace their previous winners (delete+insert on `_record_key`).
-#}
{% macro latest_version(relation, key_columns, updated_column='update_time') -%}
    {{ return(adapter.dispatch('latest_version', 'c360')(relation, key_columns, updated_column)) }}
{%- endmacro %}

{% macro default__latest_version(relation, key_columns, updated_column) -%}
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
        where {{ c360.only_keys_loaded_since_last_build(relation, record_key) }}
    ) as versions
    where _version_rank = 1
{%- endmacro %}

{#- DuckDB: pick each key's winning row id on the key and ordering columns only, then read the winners'
    wide rows (several times faster than a window that carries every column). -#}
{% macro duckdb__latest_version(relation, key_columns, updated_column) -%}
    {#- rowid exists on stored tables only: a CTE (a unit test's fixture) is ranked by the window -#}
    {%- if relation.is_cte -%}
        {{ return(c360.default__latest_version(relation, key_columns, updated_column)) }}
    {%- endif -%}
    {%- set record_key = c360.record_key(key_columns) -%}
    select *, {{ record_key }} as _record_key
    from {{ relation }}
    where rowid in (
        select arg_max(
            rowid,
            row(coalesce({{ updated_column }}, '-infinity'), _file_date, _row_number, _source_file)
        )
        from {{ relation }}
        where {{ c360.only_keys_loaded_since_last_build(relation, record_key) }}
        group by {{ key_columns | join(', ') }}
    )
{%- endmacro %}


{#- A filter: every row on a full build; on an incremental one, the rows of keys that arrived since. -#}
{% macro only_keys_loaded_since_last_build(relation, record_key) -%}
    {%- if c360.staging_builds_incrementally() -%}
        {{ record_key }} in (
            select {{ record_key }}
            from {{ relation }}
            -- from empty (after a reset) every key is new
            where _loaded_at > coalesce(
                (select max(_loaded_at) from {{ this }}),
                cast('1900-01-01' as {{ dbt.type_timestamp() }})
            )
        )
    {%- else -%}
        true
    {%- endif -%}
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
