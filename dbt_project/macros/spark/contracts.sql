{#-
    Model contracts on Spark. The published marts' YAML declares each column's type as DuckDB (the
    default engine) spells it; Spark checks the contract with the same types in its own spelling, so a
    contract means the same on both engines.
-#}
{% macro spark__get_empty_schema_sql(columns) %}
    {%- set missing = [] -%}
    select
    {% for name in columns %}
      {%- set col = columns[name] -%}
      {%- if col['data_type'] is not defined -%}{%- do missing.append(col['name']) -%}{%- endif -%}
      {%- set col_name = adapter.quote(col['name']) if col.get('quote') else col['name'] -%}
      {{ cast('null', spark_type_of(col.get('data_type', ''))) }} as {{ col_name }}{{ ", " if not loop.last }}
    {%- endfor -%}
    {%- if missing -%}{{ exceptions.column_type_missing(column_names=missing) }}{%- endif -%}
{% endmacro %}

{% macro spark_type_of(duckdb_type) -%}
    {%- set name = duckdb_type | trim | lower | replace('  ', ' ') -%}
    {%- set spark_names = {
        'varchar': 'string', 'text': 'string', 'string': 'string',
        'timestamp with time zone': 'timestamp', 'timestamptz': 'timestamp',
        'double precision': 'double', 'hugeint': 'decimal(38,0)',
    } -%}
    {%- if name.endswith('[]') -%}
        {{ return('array<' ~ spark_type_of(name[:-2]) ~ '>') }}
    {%- endif -%}
    {{ return(spark_names.get(name, name)) }}
{%- endmacro %}
