{#-
    Every link that holds a customer together (published as c360.identity_links): the two source
    records (SOURCE:KEY), the identifier type and a keyed hash of its value (never the value), the rule
    (the roles the value plays on the two records) and its strength, the evidence that corroborated a
    guarded link (or the override line behind an always_link), and when both records first carried it.
    The graph joins the records sharing a value as a star on one of them, so a value held by k records
    is k - 1 links.
-#}
with

edges as (
    select * from {{ ref('int_identity__edges') }}
),

guarded_links as (
    select * from {{ ref('int_identity__guarded_links') }}
),

nodes as (
    select * from {{ ref('int_identity__nodes') }}
),

resolved as (
    select * from {{ ref('int_identity__resolved_records') }}
),

observations as (
    select * from {{ ref('int_identity__identifier_observations') }}
),

hash_key as (
    select max(hash_key) as hash_key from {{ source('raw', '_identity_link_key') }}
),

links as (
    select node_a, node_b, id_type, id_value, strength, cast(null as {{ dbt.type_string() }}) as evidence
    from edges
    where strength = 'firm'
    union all
    select target_node_id, receiver_node_id, id_type, id_value, 'guarded', evidence
    from guarded_links
    where links and not already_joined
),

value_seen as (
    select record_key, id_type, id_value, min(first_observed_at) as first_observed_at,
           {{ dbt.listagg('distinct role', "'+'", 'order by role') }} as roles
    from observations
    group by record_key, id_type, id_value
)

select
    resolved_a.customer_id,
    {{ dbt.concat(['node_a.source', "':'", 'node_a.source_key']) }} as record_a,
    {{ dbt.concat(['node_b.source', "':'", 'node_b.source_key']) }} as record_b,
    links.id_type,
    case when links.id_type <> 'override'
        then {{ c360.sha256_hex(dbt.concat(['hash_key.hash_key', "'|'", 'links.id_type', "':'", 'links.id_value'])) }}
    end as id_value_hash,
    case when links.id_type = 'override' then 'always_link'
         else {{ dbt.concat(['links.id_type', "'/'", "coalesce(seen_a.roles, '?')", "'+'", "coalesce(seen_b.roles, '?')"]) }}
    end as rule,
    links.strength,
    case when links.id_type = 'override' then links.id_value else links.evidence end as evidence,
    greatest(seen_a.first_observed_at, seen_b.first_observed_at) as first_seen_at
from links
cross join hash_key
inner join nodes as node_a on node_a.node_id = links.node_a
inner join nodes as node_b on node_b.node_id = links.node_b
inner join resolved as resolved_a on resolved_a.record_key = node_a.record_key
left join value_seen as seen_a
    on seen_a.record_key = node_a.record_key and seen_a.id_type = links.id_type and seen_a.id_value = links.id_value
left join value_seen as seen_b
    on seen_b.record_key = node_b.record_key and seen_b.id_type = links.id_type and seen_b.id_value = links.id_value
