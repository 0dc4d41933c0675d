{#-
    Every source record with its connected component in the identity graph: phase-1 components
    (firm edges, int_identity__firm_components) joined by the guarded links that passed their checks
    (int_identity__guarded_links), again by connected_components, over the components this time.
    component_node_id is the smallest node id of the component. The runs' figures ride along as
    constant columns for int_identity__resolution_stats.
-#}
-- depends_on: {{ ref('int_identity__guarded_links') }}
{%- set work_prefix = this.schema ~ '.' ~ this.identifier ~ '__work' -%}
{{ config(post_hook=c360.drop_connected_components_work(work_prefix)) }}

{%- set result = {'rounds': 0, 'jumps': 0, 'edges': 0, 'seconds': 0.0} -%}
{%- if execute and flags.WHICH in ('run', 'build') -%}
    {%- set guarded_edges = "(select target_component_node_id as node_a, receiver_component_node_id as node_b from "
        ~ ref('int_identity__guarded_links') ~ " where links and not already_joined)" -%}
    {%- set result = c360.connected_components(guarded_edges, work_prefix) -%}
{%- elif execute -%}
    {#- compiling on a fresh warehouse (dbt compile, sqlfluff): the schema may not exist yet -#}
    {%- do run_query('create schema if not exists ' ~ this.schema) -%}
    {%- do run_query('create table if not exists ' ~ work_prefix ~ '_labels (node bigint, label bigint)') -%}
{%- endif %}

with

firm_components as (
    select * from {{ ref('int_identity__firm_components') }}
),

labels as (
    select * from {{ work_prefix }}_labels
),

labelled as (
    select
        firm_components.*,
        coalesce(labels.label, firm_components.component_node_id) as final_component_node_id
    from firm_components
    left join labels
        on labels.node = firm_components.component_node_id
)

select
    node_id,
    record_key,
    source,
    source_key,
    final_component_node_id as component_node_id,
    component_node_id as firm_component_node_id,
    count(*) over (partition by final_component_node_id) as component_size,
    resolution_rounds as firm_rounds,
    resolution_jumps as firm_jumps,
    resolution_edges as firm_edges,
    resolution_seconds as firm_seconds,
    {{ result['rounds'] }} as guarded_rounds,
    {{ result['edges'] }} as guarded_edges,
    cast({{ '%.3f' | format(result['seconds']) }} as {{ dbt.type_float() }}) as guarded_seconds
from labelled
