{#-
    delete+insert on Spark without Delta Lake or Iceberg (no MERGE, no DELETE on Parquet), for the
    stateful incremental models (int_identity__customer_registry, customer_id_history): the same
    semantics as on DuckDB, from the same model SQL.

    dbt-spark accepts only append / insert_overwrite / merge / microbatch, so its two dispatch points are
    overridden here (the root project's macros come first) and hand every other strategy to dbt-spark:
      1. `<model>__next` (Parquet) := the rows of the model whose unique key is not among the new rows,
         plus the new rows (the new version of the whole table, built while the old one is intact);
      2. `insert overwrite` the model from it.
    Step 2 is not atomic on plain Parquet: a crash inside it leaves the complete new version in
    `<model>__next` (it is kept until the next build replaces it). Switching versions by one pointer is
    the crash-safe form (issue 15); a cluster with Delta/Iceberg would use `merge` instead.
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
    {%- set next = target.incorporate(path={'identifier': target.identifier ~ '__next'}) -%}
    {%- set columns = adapter.get_columns_in_relation(target) | map(attribute='quoted') | list -%}
    {%- set kept_columns = [] -%}
    {%- for column in columns -%}{%- do kept_columns.append('kept.' ~ column) -%}{%- endfor -%}
    {%- set matches = [] -%}
    {%- for key in keys -%}{%- do matches.append('new_rows.' ~ key ~ ' = kept.' ~ key) -%}{%- endfor -%}
    {%- do run_query('drop table if exists ' ~ next) -%}
    {%- do run_query('create table ' ~ next ~ ' using parquet as
        select ' ~ kept_columns | join(', ') ~ ' from ' ~ target ~ ' as kept
        left anti join ' ~ source ~ ' as new_rows on ' ~ matches | join(' and ') ~ '
        union all
        select ' ~ columns | join(', ') ~ ' from ' ~ source) -%}
    insert overwrite table {{ target }} select {{ columns | join(', ') }} from {{ next }}
{% endmacro %}
