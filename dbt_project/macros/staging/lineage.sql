{#- The lineage columns every staging model keeps: where the winning version came from, when it was
    loaded, and the raw record key (the incremental models' unique key). -#}
{% macro staging_lineage_columns() -%}
    _source_file,
    _file_date,
    _row_number,
    _loaded_at,
    _record_key
{%- endmacro %}
