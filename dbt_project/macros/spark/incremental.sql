{#-
    delete+insert on Spark without Delta Lake or Iceberg (no MERGE, no DELETE on Parquet), for the
    stateful incremental models (int_identity__customer_registry, customer_id_history): the same
    semantics as on DuckDB, from the same model SQL, and crash-safe.

    dbt-spark accepts only append / insert_overwrite / merge / microbatch, so its two dispatch points are
    overridden here (the root project's macros come first) and hand every other strategy to dbt-spark.
    A build never rewrites the files the table reads:
      1. the new version of the whole table (the rows whose key is not among the new rows, plus the new
         rows) is written into a folder of its own, `<table>__versions/<run start>-<invocation>/`, while the
         old version is read;
      2. `alter table … set location` points the table at it: one metastore update, the switch. A crash
         before it leaves the table on its old version (the half-written folder is cleared later);
      3. `<table>__versions/_current` names the version for readers outside Spark (the gate, the publish
         and `c360 explain` read the Parquet files: orchestration/lib/warehouse.py). It is written just after
         the switch, so a crash between the two leaves them one build behind Spark, until the next build.
    Old versions are removed by the platform before the next dbt run (the previous one is kept). A cluster
    with Delta Lake or Iceberg would use `merge` instead (file_format delta/iceberg goes to dbt-spark).
-#}
{% macro dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format) %}
    {%- if raw_strategy == 'delete+insert' and file_format not in ['delta', 'iceberg', 'hudi'] -%}
        {% do return(raw_strategy) %}
    {%- endif -%}
    {% do return(dbt_spark.dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format)) %}
{% endmacro %}


{% macro dbt_spark_get_incremental_sql(strategy, source, target, existing, unique_key, incremental_predicates) %}
    {%- if strategy == 'delete+insert' -%}
        {{ c360.spark_parquet_delete_insert_sql(source, target, unique_key) }}
    {%- else -%}
        {{ dbt_spark.dbt_spark_get_incremental_sql(strategy, source, target, existing, unique_key, incremental_predicates) }}
    {%- endif -%}
{% endmacro %}


{% macro spark_parquet_delete_insert_sql(source, target, unique_key) %}
    {%- set keys = [unique_key] if unique_key is string else unique_key -%}
    {%- if not keys -%}
        {{ exceptions.raise_compiler_error('delete+insert on Spark needs a unique_key (' ~ target ~ ')') }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(target) | map(attribute='quoted') | list -%}
    {%- set kept_columns = [] -%}
    {%- for column in columns -%}{%- do kept_columns.append('kept.' ~ column) -%}{%- endfor -%}
    {%- set matches = [] -%}
    {%- for key in keys -%}{%- do matches.append('new_rows.' ~ key ~ ' = kept.' ~ key) -%}{%- endfor -%}
    {%- set version = run_started_at.strftime('%Y%m%dT%H%M%S') ~ '-' ~ invocation_id[:8] -%}
    {%- set versions = c360.spark_versions_folder(target) -%}
    {%- set next = target.incorporate(path={'identifier': target.identifier ~ '__next'}) -%}
    {%- do run_query('drop table if exists ' ~ next) -%}
    {%- do run_query('create table ' ~ next ~ ' using parquet location ' ~ c360.spark_string_literal(versions ~ '/' ~ version) ~ ' as
        select ' ~ kept_columns | join(', ') ~ ' from ' ~ target ~ ' as kept
        left anti join ' ~ source ~ ' as new_rows on ' ~ matches | join(' and ') ~ '
        union all
        select ' ~ columns | join(', ') ~ ' from ' ~ source) -%}
    {%- do run_query('alter table ' ~ target ~ ' set location ' ~ c360.spark_string_literal(versions ~ '/' ~ version)) -%}
    {%- do run_query('drop table ' ~ next) -%}  {#- external: its folder is now the table's #}
    {%- do run_query('insert overwrite directory ' ~ c360.spark_string_literal(versions ~ '/_current') ~ ' using json
        select ' ~ c360.spark_string_literal(version) ~ ' as version') -%}
    refresh table {{ target }}
{% endmacro %}


{#- `<table>__versions` beside the table's first (managed) folder, wherever the table points now. -#}
{% macro spark_versions_folder(relation) %}
    {%- set described = run_query('describe table extended ' ~ relation) -%}
    {%- set location = (described.rows | selectattr(0, 'equalto', 'Location') | map(attribute=1) | first) -%}
    {%- set suffix = '__versions' -%}
    {%- set marker = '/' ~ relation.identifier ~ suffix ~ '/' -%}
    {%- if marker in location -%}
        {{ return(location.split(marker)[0] ~ marker[:-1]) }}
    {%- endif -%}
    {{ return(location ~ suffix) }}
{% endmacro %}

