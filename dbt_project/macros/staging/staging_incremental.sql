{#-
    Staging models keep the latest version of every raw record and are built incrementally: only keys
    in newly loaded raw rows are ranked again (macro latest_version). That is correct while raw rows are
    only added. When ingestion removes raw rows (a file loaded again with other content, an erasure),
    it writes a marker to raw._removals; the staging model of that raw table then starts again from
    empty (pre-hook reset_staging_after_removals) and consumes the markers once it has been rebuilt
    (post-hook consume_removals, in the model's transaction). `dbt build --full-refresh` (`c360 run
    --full-refresh`) rebuilds all of them after a change to a staging model's SQL.
-#}

{#- The raw table a staging model reads: stg_<channel>__<entity> reads raw.<channel>__<entity>. -#}
{% macro staging_raw_table() -%}
    {{ return(model.name[4:]) }}
{%- endmacro %}


{#- Incremental, and the existing table already has the columns incremental builds rely on (a table
    from before staging was incremental does not: it is rebuilt from empty). -#}
{% macro staging_builds_incrementally() -%}
    {%- if not is_incremental() -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {{ return('_record_key' in columns and '_loaded_at' in columns) }}
{%- endmacro %}


{#- raw._removals, which ingestion creates; none in a warehouse that ingestion has not touched. -#}
{% macro raw_removals_relation() -%}
    {{ return(adapter.get_relation(database=this.database, schema='raw', identifier='_removals')) }}
{%- endmacro %}


{% macro reset_staging_after_removals() -%}
    {%- if is_incremental() -%}
        {%- set removals = c360.raw_removals_relation() -%}
        {%- if not c360.staging_builds_incrementally() -%}
            delete from {{ this }}
        {%- elif removals -%}
            delete from {{ this }}
            where exists (select 1 from {{ removals }} where table_name = '{{ c360.staging_raw_table() }}')
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{% macro consume_removals() -%}
    {{ return(adapter.dispatch('consume_removals', 'c360')()) }}
{%- endmacro %}

{#- Spark rebuilds staging whole on every run (dbt_project.yml): no marker to consume. -#}
{% macro spark__consume_removals() -%}
{%- endmacro %}

{% macro default__consume_removals() -%}
    {%- set removals = c360.raw_removals_relation() -%}
    {%- if removals -%}
        delete from {{ removals }} where table_name = '{{ c360.staging_raw_table() }}'
    {%- endif -%}
{%- endmacro %}
