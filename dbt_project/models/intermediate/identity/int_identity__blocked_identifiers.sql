{#- The report of identifiers that would have linked records but stopped linking, and why. -#}
with

identifier_status as (
    select * from {{ ref('int_identity__identifier_status') }}
),

observations as (
    select * from {{ ref('int_identity__identifier_observations') }}
),

blocked as (
    select * from identifier_status
    where not links
),

blocked_records as (
    select
        observations.id_type,
        observations.id_value,
        {{ dbt.listagg('distinct observations.source', "', '", 'order by observations.source') }} as sources
    from observations
    inner join blocked
        on blocked.id_type = observations.id_type
        and blocked.id_value = observations.id_value
    group by observations.id_type, observations.id_value
)

select
    blocked.id_type,
    blocked.id_value,
    blocked.link_status,
    blocked.reason,
    blocked.record_count,
    blocked_records.sources
from blocked
left join blocked_records
    on blocked_records.id_type = blocked.id_type
    and blocked_records.id_value = blocked.id_value
