{#- One row of figures about this run's identity resolution, for the orchestration's metadata. -#}
with

components as (
    select * from {{ ref('int_identity__components') }}
),

identifier_status as (
    select * from {{ ref('int_identity__identifier_status') }}
),

guarded_links as (
    select * from {{ ref('int_identity__guarded_links') }}
),

guarded_figures as (
    select
        count(*) as guarded_candidates,
        cast(sum(case when links and not already_joined then 1 else 0 end) as {{ dbt.type_bigint() }}) as guarded_accepted
    from guarded_links
),

component_sizes as (
    select component_node_id, count(*) as records
    from components
    group by component_node_id
),

run_figures as (
    select
        max(firm_rounds) + max(guarded_rounds) as rounds,
        max(firm_jumps) as pointer_jumps,
        max(firm_edges) + max(guarded_edges) as edges,
        max(guarded_edges) as guarded_edges,
        max(firm_seconds) + max(guarded_seconds) as resolution_seconds
    from components
),

component_figures as (
    select
        cast(sum(records) as {{ dbt.type_bigint() }}) as records,
        count(*) as components,
        max(records) as largest_component_records,
        cast(sum(case when records > 1 then 1 else 0 end) as {{ dbt.type_bigint() }}) as multi_record_components
    from component_sizes
),

identifier_figures as (
    select
        count(*) as shared_identifier_values,
        cast(sum(case when link_status = 'over_cap' then 1 else 0 end) as {{ dbt.type_bigint() }}) as identifiers_over_cap,
        cast(sum(case when link_status = 'blocklisted' then 1 else 0 end) as {{ dbt.type_bigint() }}) as identifiers_blocklisted
    from identifier_status
)

select
    {{ c360.run_started_at_literal() }} as resolved_at,
    component_figures.records,
    run_figures.edges,
    component_figures.components,
    component_figures.multi_record_components,
    component_figures.largest_component_records,
    run_figures.rounds,
    run_figures.pointer_jumps,
    run_figures.guarded_edges,
    guarded_figures.guarded_candidates,
    guarded_figures.guarded_accepted,
    run_figures.resolution_seconds,
    identifier_figures.shared_identifier_values,
    identifier_figures.identifiers_over_cap,
    identifier_figures.identifiers_blocklisted
from component_figures
cross join run_figures
cross join identifier_figures
cross join guarded_figures
