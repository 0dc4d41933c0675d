{#-
    The identifiers that resolved to each person, normalised, one row per (id_type, id_value,
    customer_id). `links` says whether the value took part in matching: a value over a cap (a
    family's shared device) is still listed for each of its persons, with links = false.
    Not listed: parcel receivers' phones (not the record's person's) and blocklisted values.
-#}
with

observations as (
    select * from {{ ref('int_identity__identifier_observations') }}
),

link_rules as (
    select * from {{ ref('identity_link_rules') }}
),

identifier_status as (
    select * from {{ ref('int_identity__identifier_status') }}
),

resolved as (
    select * from {{ ref('int_identity__resolved_records') }}
),

published as (
    select
        resolved.customer_id,
        observations.id_type,
        observations.id_value,
        observations.source,
        observations.first_observed_at,
        observations.last_observed_at,
        link_rules.links and coalesce(identifier_status.links, true) as links,
        coalesce(identifier_status.link_status, case when link_rules.links then 'links' else 'not_linking' end) as link_status
    from observations
    inner join link_rules
        on link_rules.id_type = observations.id_type
        and link_rules.role = observations.role
        and link_rules.publish
    left join identifier_status
        on identifier_status.id_type = observations.id_type
        and identifier_status.id_value = observations.id_value
    inner join resolved
        on resolved.record_key = observations.record_key
    where coalesce(identifier_status.link_status, '') <> 'blocklisted'
),

-- one row per source first: counting sources is then a count(*), not a count(distinct)
per_source as (
    select
        id_type,
        id_value,
        customer_id,
        source,
        not {{ dbt.bool_or('not links') }} as links,
        min(link_status) as link_status,
        min(first_observed_at) as first_observed_at,
        max(last_observed_at) as last_observed_at
    from published
    group by id_type, id_value, customer_id, source
)

select
    id_type,
    id_value,
    customer_id,
    not {{ dbt.bool_or('not links') }} as links,
    min(link_status) as link_status,
    count(*) as source_count,
    min(first_observed_at) as first_observed_at,
    max(last_observed_at) as last_observed_at
from per_source
group by id_type, id_value, customer_id
