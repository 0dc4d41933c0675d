{#-
    One row per identifier value that could join records (carried by two or more records in a linking
    role) or that is blocklisted, with whether it links. A value carried by a single record joins
    nothing and is not listed (it links by its type's rule). An identifier stops linking when it is
    blocklisted (seed identity_blocklist) or when it joins more records (or more real names) of one
    source than the seed identity_link_caps allows: a store's own phone on many CRM members, a
    family's shared app device, a recycled mobile on two accounts of one app.
-#}
with

observations as (
    select * from {{ ref('int_identity__identifier_observations') }}
),

records as (
    select * from {{ ref('int_identity__source_records') }}
),

link_rules as (
    select * from {{ ref('identity_link_rules') }}
),

caps as (
    select * from {{ ref('identity_link_caps') }}
),

blocklist as (
    select * from {{ ref('identity_blocklist') }}
),

linking_observations as (
    select
        observations.record_key,
        observations.source,
        observations.id_type,
        observations.id_value
    from observations
    inner join link_rules
        on link_rules.id_type = observations.id_type
        and link_rules.role = observations.role
    where link_rules.links
),

observation_counts as (
    -- cheap first pass: most values (openids, account ids) sit on one record and can be skipped
    select id_type, id_value, count(*) as observations
    from linking_observations
    group by id_type, id_value
),

candidate_values as (
    select observation_counts.id_type, observation_counts.id_value
    from observation_counts
    left join blocklist
        on blocklist.id_type = observation_counts.id_type
        and blocklist.id_value = observation_counts.id_value
    where observation_counts.observations > 1
       or blocklist.id_value is not null
),

candidate_observations as (
    select distinct
        linking_observations.record_key,
        linking_observations.source,
        linking_observations.id_type,
        linking_observations.id_value
    from linking_observations
    inner join candidate_values
        on candidate_values.id_type = linking_observations.id_type
        and candidate_values.id_value = linking_observations.id_value
),

per_value as (
    select
        id_type,
        id_value,
        count(*) as record_count,
        count(distinct source) as source_count
    from candidate_observations
    group by id_type, id_value
),

listed_values as (
    select per_value.*
    from per_value
    left join blocklist
        on blocklist.id_type = per_value.id_type
        and blocklist.id_value = per_value.id_value
    where per_value.record_count > 1
       or blocklist.id_value is not null
),

shared_observations as (
    select
        candidate_observations.*,
        lower(trim(records.person_name)) as person_name
    from candidate_observations
    inner join listed_values
        on listed_values.id_type = candidate_observations.id_type
        and listed_values.id_value = candidate_observations.id_value
    left join records
        on records.record_key = candidate_observations.record_key
),

per_value_and_source as (
    select id_type, id_value, source, count(*) as records, count(distinct person_name) as names
    from shared_observations
    group by id_type, id_value, source

    union all

    select id_type, id_value, '*' as source, count(*) as records, count(distinct person_name) as names
    from shared_observations
    group by id_type, id_value
),

cap_breaches as (
    select
        per_value_and_source.id_type,
        per_value_and_source.id_value,
        {{ dbt.listagg(
            dbt.concat(["caps.source", "': '", "cast(case when caps.counted = 'names' then per_value_and_source.names else per_value_and_source.records end as " ~ dbt.type_string() ~ ")", "' '", "caps.counted", "' > '", "cast(caps.max_count as " ~ dbt.type_string() ~ ")"]),
            "'; '",
            "order by caps.source, caps.counted") }} as cap_reason
    from per_value_and_source
    inner join caps
        on caps.id_type = per_value_and_source.id_type
        and caps.source = per_value_and_source.source
    where (caps.counted = 'records' and per_value_and_source.records > caps.max_count)
       or (caps.counted = 'names' and per_value_and_source.names > caps.max_count)
    group by per_value_and_source.id_type, per_value_and_source.id_value
)

select
    listed_values.id_type,
    listed_values.id_value,
    listed_values.record_count,
    listed_values.source_count,
    case
        when blocklist.id_value is not null then 'blocklisted'
        when cap_breaches.id_value is not null then 'over_cap'
        else 'links'
    end as link_status,
    blocklist.id_value is null and cap_breaches.id_value is null as links,
    coalesce(blocklist.reason, cap_breaches.cap_reason) as reason
from listed_values
left join blocklist
    on blocklist.id_type = listed_values.id_type
    and blocklist.id_value = listed_values.id_value
left join cap_breaches
    on cap_breaches.id_type = listed_values.id_type
    and cap_breaches.id_value = listed_values.id_value
