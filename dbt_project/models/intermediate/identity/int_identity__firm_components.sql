{#-
    Phase 1 of the resolution: connected components of the identity graph over its firm edges only
    (see the macro connected_components). A component is labelled by its smallest node id.
-#}
-- depends_on: {{ ref('int_identity__edges') }}
{%- set work_prefix = this.schema ~ '.' ~ this.identifier ~ '__work' -%}
{{ config(post_hook=c360.drop_connected_components_work(work_prefix)) }}

{%- set result = {'rounds': 0, 'jumps': 0, 'edges': 0, 'seconds': 0.0} -%}
{%- if execute and flags.WHICH in ('run', 'build') -%}
    {%- set firm_edges = "(select node_a, node_b from " ~ ref('int_identity__edges') ~ " where strength = 'firm')" -%}
    {%- set result = c360.connected_components(firm_edges, work_prefix) -%}
{%- elif execute -%}
    {#- compiling on a fresh warehouse (dbt compile, sqlfluff): the schema may not exist yet -#}
    {%- do run_query('create schema if not exists ' ~ this.schema) -%}
    {%- do run_query('create table if not exists ' ~ work_prefix ~ '_labels (node bigint, label bigint)') -%}
{%- endif %}

with

nodes as (
    select * from {{ ref('int_identity__nodes') }}
),

labels as (
    select * from {{ work_prefix }}_labels
)

select
    nodes.node_id,
    nodes.record_key,
    nodes.source,
    nodes.source_key,
    coalesce(labels.label, nodes.node_id) as component_node_id,
    {{ result['rounds'] }} as resolution_rounds,
    {{ result['jumps'] }} as resolution_jumps,
    {{ result['edges'] }} as resolution_edges,
    cast({{ '%.3f' | format(result['seconds']) }} as {{ dbt.type_float() }}) as resolution_seconds
from nodes
left join labels
    on labels.node = nodes.node_id
