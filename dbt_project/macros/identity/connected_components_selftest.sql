{#-
    dbt run-operation connected_components_selftest --args '{n: 1000000}'
    Builds a path of n nodes numbered in a random order (the worst case for plain min-label
    propagation: n rounds) and a few thousand small random components, resolves them with
    connected_components and checks the labels. Logs and returns the figures.
-#}
{% macro connected_components_selftest(n=100000, schema='intermediate') %}
    {{ return(adapter.dispatch('connected_components_selftest', 'c360')(n, schema)) }}
{% endmacro %}

{% macro default__connected_components_selftest(n, schema) %}
    {{ exceptions.raise_compiler_error('connected_components_selftest builds its fixture with DuckDB functions: run it on DuckDB') }}
{% endmacro %}

{#- The fixture is built with DuckDB's range() and hash(); connected_components itself is portable. -#}
{% macro duckdb__connected_components_selftest(n, schema) %}
    {%- do run_query('create schema if not exists ' ~ schema) -%}
    {%- set prefix = schema ~ '.cc_selftest' -%}
    {%- do run_query('create or replace table ' ~ prefix ~ '_order as select range as position, row_number() over (order by hash(range, 17)) as node from range(' ~ n ~ ')') -%}
    {%- do run_query('create or replace table ' ~ prefix ~ '_input as
        select a.node as node_a, b.node as node_b from ' ~ prefix ~ '_order a join ' ~ prefix ~ '_order b on b.position = a.position + 1
        union all
        select 10000000000 + range, 10000000000 + range + 1 from range(0, 20000, 2)') -%}
    {%- set result = c360.connected_components(prefix ~ '_input', prefix ~ '_work') -%}
    {%- set check = run_query('select count(distinct label), min(label) = (select min(node) from ' ~ prefix ~ '_order), count(*)
        from ' ~ prefix ~ '_work_labels where node < 10000000000') -%}
    {%- set pairs = run_query('select count(distinct label), count(*) from ' ~ prefix ~ '_work_labels where node >= 10000000000') -%}
    {%- set figures = {'path_nodes': n, 'path_components': check.columns[0].values()[0], 'label_is_min': check.columns[1].values()[0],
                       'pair_components': pairs.columns[0].values()[0], 'rounds': result['rounds'], 'jumps': result['jumps'],
                       'seconds': result['seconds']} -%}
    {%- do log('connected_components_selftest ' ~ tojson(figures), info=true) -%}
    {%- for suffix in ['_order', '_input', '_work_edges', '_work_parents', '_work_labels', '_work_scratch'] -%}
        {%- do run_query('drop table if exists ' ~ prefix ~ suffix) -%}
    {%- endfor -%}
    {%- if figures['path_components'] != 1 or not figures['label_is_min'] or figures['pair_components'] != 10000 -%}
        {{ exceptions.raise_compiler_error('connected_components_selftest failed: ' ~ tojson(figures)) }}
    {%- endif -%}
    {{ return(figures) }}
{% endmacro %}
