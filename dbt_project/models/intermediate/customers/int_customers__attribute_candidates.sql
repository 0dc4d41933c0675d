{#-
    Every value a customer's records offer for a golden-record attribute, with what the survivorship
    rules rank it by: the trust of its origin (seed survivorship_source_trust), its completeness and
    when its record was last updated. Values from origins the seed does not list are not candidates.
-#}
with

resolved as (
    select * from {{ ref('int_identity__resolved_records') }}
),

records as (
    select * from {{ ref('int_identity__source_records') }}
),

observations as (
    select * from {{ ref('int_identity__identifier_observations') }}
),

identifier_status as (
    select * from {{ ref('int_identity__identifier_status') }}
),

link_rules as (
    select * from {{ ref('identity_link_rules') }}
),

trust as (
    select * from {{ ref('survivorship_source_trust') }}
),

record_values as (
    select record_key, 'name' as attribute,
        {{ dbt.concat(['source', "case when source = 'wecom.contacts' then '.remark' else '.name' end"]) }} as origin,
        person_name as value, 1 as completeness, updated_at
    from records where person_name is not null
    union all
    select record_key, 'name', {{ dbt.concat(['source', "case when source = 'wecom.contacts' then '.name' else '.nickname' end"]) }},
        display_name, 0, updated_at
    from records where display_name is not null
    union all
    select record_key, 'birthday', {{ dbt.concat(['source', "'.birthday'"]) }}, birthday,
        case when birthday like '--%' then 0 else 1 end, updated_at
    from records where birthday is not null
    union all
    select record_key, 'gender', {{ dbt.concat(['source', "'.gender'"]) }}, gender, 1, updated_at
    from records where gender is not null
),

contact_values as (
    -- phones and emails that are the person's own and still link (no store phones, no placeholders)
    select
        observations.record_key,
        observations.id_type as attribute,
        {{ dbt.concat(['observations.source', "'.'", 'observations.id_type']) }} as origin,
        observations.id_value as value,
        1 as completeness,
        observations.last_observed_at as updated_at
    from observations
    inner join link_rules
        on link_rules.id_type = observations.id_type
        and link_rules.role = observations.role
        and link_rules.publish
    left join identifier_status
        on identifier_status.id_type = observations.id_type
        and identifier_status.id_value = observations.id_value
    where observations.id_type in ('phone', 'email')
      and coalesce(identifier_status.links, link_rules.links)
),

candidates as (
    select * from record_values
    union all
    select * from contact_values
)

select
    resolved.customer_id,
    candidates.attribute,
    candidates.value,
    candidates.origin,
    trust.trust,
    candidates.completeness,
    candidates.updated_at,
    candidates.record_key
from candidates
inner join trust
    on trust.attribute = candidates.attribute
    and trust.origin = candidates.origin
inner join resolved
    on resolved.record_key = candidates.record_key
