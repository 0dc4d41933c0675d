{#-
    The raw sources on Spark: each table of source `raw` is the Parquet folder of the same name under
    the lake ($C360_LAKE_DIR, written by orchestration/lib/lake.py; a table of export rows has a folder
    per day), registered at the start of every run as an external table (dropping it drops no data), so
    that a new export, a new day or a changed schema is read as it is now. Nothing to do on DuckDB, whose ingest writes schema raw itself.
-#}
{% macro register_lake_sources() -%}
    {{ return(adapter.dispatch('register_lake_sources', 'c360')()) }}
{%- endmacro %}

{% macro default__register_lake_sources() -%}
{%- endmacro %}

{% macro spark__register_lake_sources() -%}
    {%- if execute -%}
        {#- the lake as Spark reads it: the folder the platform writes, or on a cluster its s3a:// (…) URI -#}
        {%- set lake = env_var('C360_SPARK_LAKE_URI', env_var('C360_LAKE_DIR', '../data/lake')) -%}
        {%- do run_query('create schema if not exists raw') -%}
        {%- for source in graph.sources.values() if source.source_name == 'raw' -%}
            {%- set table = 'raw.' ~ source.identifier -%}
            {%- do run_query('drop table if exists ' ~ table) -%}
            {%- do run_query("create table " ~ table ~ " using parquet location '" ~ lake ~ "/" ~ source.identifier ~ "'") -%}
            {#- a table of export rows is partitioned by day (_file_date=…/): its days enter the metastore here -#}
            {%- set described = run_query('describe table ' ~ table) -%}
            {%- if '# Partition Information' in (described.rows | map(attribute=0) | list) -%}
                {%- do run_query('msck repair table ' ~ table) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
