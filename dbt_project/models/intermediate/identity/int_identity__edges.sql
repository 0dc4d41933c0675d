{#-
    The identity graph's edges: records that share a linking identifier value. Each value joins its
    records as a star on the record with the smallest node id (k records -> k - 1 edges, never k^2).
    Only (id_type, role) pairs that link per identity_link_rules, and only values that still link
    per int_identity__identifier_status (not blocklisted, not over a cap).

    strength (from identity_link_rules): 'firm' edges always link; a 'guarded' edge (a receiver
    phone) hangs its record on the value's firm holders when there are any, and links only if the
    two sides contradict nothing (int_identity__guarded_links).
    Operators' overrides (int_identity__overrides) withhold identifiers (detach, never_link) and add
    firm edges of id_type 'override' (always_link).
-#}
with

observations as (
    select * from {{ ref('int_identity__identifier_observations') }}
),

nodes as (
    select * from {{ ref('int_identity__nodes') }}
),

link_rules as (
    select * from {{ ref('identity_link_rules') }}
),

identifier_status as (
    select * from {{ ref('int_identity__identifier_status') }}
),

overrides as (
    select * from {{ ref('int_identity__overrides') }}
),

withheld as (
    -- operators' decisions: a detached record's identifiers link nothing; of two records that must
    -- never be one, the second's identifiers that the first carries too stop linking it
    select node_id, cast(null as {{ dbt.type_string() }}) as id_type, cast(null as {{ dbt.type_string() }}) as id_value
    from overrides
    where action = 'detach'
    union all
    select distinct overrides.other_node_id, first_ids.id_type, first_ids.id_value
    from overrides
    inner join observations as first_ids
        on first_ids.record_key = overrides.record_key
    where overrides.action = 'never_link'
),

linking_all as (
    select
        nodes.node_id,
        observations.id_type,
        observations.id_value,
        min(link_rules.strength) as strength  -- 'firm' < 'guarded': a firm holding wins
    from observations
    inner join link_rules
        on link_rules.id_type = observations.id_type
        and link_rules.role = observations.role
        and link_rules.links
    inner join identifier_status  -- values carried by two or more records only
        on identifier_status.id_type = observations.id_type
        and identifier_status.id_value = observations.id_value
        and identifier_status.links
    inner join nodes
        on nodes.record_key = observations.record_key
    group by nodes.node_id, observations.id_type, observations.id_value
),

linking as (
    select linking_all.*
    from linking_all
    left join withheld
        on withheld.node_id = linking_all.node_id
        and (withheld.id_type is null
             or (withheld.id_type = linking_all.id_type and withheld.id_value = linking_all.id_value))
    where withheld.node_id is null
),

hubs as (
    select
        id_type,
        id_value,
        min(case when strength = 'firm' then node_id end) as firm_hub_node_id,
        min(node_id) as any_hub_node_id
    from linking
    group by id_type, id_value
)

select
    coalesce(hubs.firm_hub_node_id, hubs.any_hub_node_id) as node_a,
    linking.node_id as node_b,
    linking.id_type,
    linking.id_value,
    linking.strength
from linking
inner join hubs
    on hubs.id_type = linking.id_type
    and hubs.id_value = linking.id_value
where linking.node_id <> coalesce(hubs.firm_hub_node_id, hubs.any_hub_node_id)

union all

-- an operator's always_link: a firm edge of its own, named by the file and line that asked for it
select
    least(node_id, other_node_id) as node_a,
    greatest(node_id, other_node_id) as node_b,
    'override' as id_type,
    {{ dbt.concat(['file', "':'", 'cast(line as ' ~ dbt.type_string() ~ ')']) }} as id_value,
    'firm' as strength
from overrides
where action = 'always_link'
