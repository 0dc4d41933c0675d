{#-
    Phase 2 candidates: every guarded edge (a buyer record holding a receiver phone -> the value's
    firm holders, or another receiver when nobody holds it firmly) between two phase-1 components,
    with whether it links. It links only when the two components contradict nothing they both know
    (the checks listed in var identity_guard_checks):
      unionid      both carry unionids and share none (a person has one unionid);
      gender       both know a gender and share none;
      person_name  both carry a real name (CRM, web account, WeCom remark) and share none;
      other_phone  the receiving side already holds firm phones and none is this one (the buyer's own
                   phone is known and differs: the parcel went to someone else);
      other_receiver_phone  the receiving side also received parcels at another phone that it does
                   not hold firmly (two receivers: at least one of them is somebody else);
      cardinality  together they would hold more records of one source than a person can have
                   (seed identity_source_cardinality: two mini program accounts are two persons).
    The absence of a contradiction is not evidence: a link also needs positive corroboration from
    the buyer's own side, the weights of seed identity_link_evidence adding up to the rule's
    min_evidence (seed identity_link_rules):
      name_on_order      a real name the buyer's side already knows is the receiver name of an order
                         to this phone (a name on the receiving side agreeing with receiver_name
                         proves nothing: in a proxy order both are the receiver's);
      repeated_receiver  the buyer sent non-gift parcels to this phone on two days or more;
      shared_person_name, shared_birthday, shared_gender
                         both sides know the same value.
    A link without conflict but short of evidence stays a candidate (decision 'candidate').
-#}
{%- set checks = var('identity_guard_checks', ['unionid', 'gender', 'person_name', 'other_phone', 'other_receiver_phone', 'cardinality']) -%}
with

edges as (
    select * from {{ ref('int_identity__edges') }}
    where strength = 'guarded'
),

firm_components as (
    select * from {{ ref('int_identity__firm_components') }}
),

observations as (
    select * from {{ ref('int_identity__identifier_observations') }}
),

link_rules as (
    select * from {{ ref('identity_link_rules') }}
),

records as (
    select * from {{ ref('int_identity__source_records') }}
),

source_cardinality as (
    select * from {{ ref('identity_source_cardinality') }}
),

overrides as (
    select * from {{ ref('int_identity__overrides') }}
),

evidence_weights as (
    select link_rules.id_type, evidence.evidence, evidence.weight, link_rules.min_evidence
    from {{ ref('identity_link_evidence') }} as evidence
    inner join link_rules
        on link_rules.id_type = evidence.id_type
        and link_rules.role = evidence.role
        and link_rules.strength = 'guarded'
),

guarded_rules as (
    select id_type, max(min_evidence) as min_evidence
    from link_rules
    where strength = 'guarded' and links
    group by id_type
),

receptions as (
    -- non-gift parcels to each phone, per buyer record: the name they were addressed to, the day sent
    {%- for source, model in [('miniprogram.buyers', 'stg_miniprogram__orders'), ('channels.buyers', 'stg_channels__orders')] %}
    select distinct
        {{ dbt.concat(["'" ~ source ~ "|'", 'buyer_openid']) }} as record_key,
        receiver_phone_normalised as id_value,
        lower(trim(receiver_name)) as receiver_name,
        cast(create_time as date) as sent_on
    from {{ ref(model) }}
    where not coalesce(is_present, false)
      and buyer_openid is not null
      and receiver_phone_normalised is not null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

repeated_receptions as (
    select record_key, id_value
    from receptions
    group by record_key, id_value
    having count(distinct sent_on) > 1
),

component_sources as (
    select component_node_id, source, count(*) as records
    from firm_components
    group by component_node_id, source
),

firm_observations as (
    select
        firm_components.component_node_id,
        observations.id_type,
        observations.id_value
    from observations
    inner join link_rules
        on link_rules.id_type = observations.id_type
        and link_rules.role = observations.role
        and link_rules.links
        and link_rules.strength = 'firm'
    inner join firm_components
        on firm_components.record_key = observations.record_key
),

component_facts as (
    -- what each phase-1 component knows: (component, fact, value)
    select distinct component_node_id, 'unionid' as fact, id_value as value
    from firm_observations where id_type = 'unionid'
    union all
    select distinct component_node_id, 'phone' as fact, id_value as value
    from firm_observations where id_type = 'phone'
    union all
    select distinct firm_components.component_node_id, 'receiver_phone' as fact, observations.id_value as value
    from observations
    inner join link_rules
        on link_rules.id_type = observations.id_type
        and link_rules.role = observations.role
        and link_rules.links
        and link_rules.strength = 'guarded'
    inner join firm_components
        on firm_components.record_key = observations.record_key
    union all
    select distinct firm_components.component_node_id, 'gender' as fact, records.gender as value
    from records
    inner join firm_components on firm_components.record_key = records.record_key
    where records.gender in ('male', 'female')
    union all
    select distinct firm_components.component_node_id, 'person_name' as fact, lower(trim(records.person_name)) as value
    from records
    inner join firm_components on firm_components.record_key = records.record_key
    where records.person_name is not null
    union all
    select distinct firm_components.component_node_id, 'birthday' as fact, records.birthday as value
    from records
    inner join firm_components on firm_components.record_key = records.record_key
    where records.birthday is not null
),

candidates as (
    select
        edges.node_a as target_node_id,
        edges.node_b as receiver_node_id,
        edges.id_type,
        edges.id_value,
        target.component_node_id as target_component_node_id,
        receiver.component_node_id as receiver_component_node_id
    from edges
    inner join firm_components as target on target.node_id = edges.node_a
    inner join firm_components as receiver on receiver.node_id = edges.node_b
),

fact_comparison as (
    select
        candidates.target_node_id,
        candidates.receiver_node_id,
        candidates.id_value,
        target_facts.fact,
        count(distinct target_facts.value) as target_values,
        count(distinct receiver_facts.value) as receiver_values,
        count(distinct case when target_facts.value = receiver_facts.value then target_facts.value end) as shared_values
    from candidates
    inner join component_facts as target_facts
        on target_facts.component_node_id = candidates.target_component_node_id
    inner join component_facts as receiver_facts
        on receiver_facts.component_node_id = candidates.receiver_component_node_id
        and receiver_facts.fact = target_facts.fact
    group by candidates.target_node_id, candidates.receiver_node_id, candidates.id_value, target_facts.fact
),

receiver_phones as (
    -- firm phones the receiving side already holds, other than the receiver phone itself
    select
        candidates.target_node_id,
        candidates.receiver_node_id,
        count(*) as other_phones
    from candidates
    inner join component_facts
        on component_facts.component_node_id = candidates.receiver_component_node_id
        and component_facts.fact = 'phone'
        and component_facts.value <> candidates.id_value
    group by candidates.target_node_id, candidates.receiver_node_id
),

other_receptions as (
    -- other receiver phones of the receiving side that it does not hold firmly
    select distinct
        candidates.target_node_id,
        candidates.receiver_node_id
    from candidates
    inner join component_facts as received
        on received.component_node_id = candidates.receiver_component_node_id
        and received.fact = 'receiver_phone'
        and received.value <> candidates.id_value
    left join component_facts as held
        on held.component_node_id = candidates.receiver_component_node_id
        and held.fact = 'phone'
        and held.value = received.value
    where held.value is null
),

overridden as (
    -- candidates joining two components an operator said must never be one
    select distinct candidates.target_node_id, candidates.receiver_node_id
    from candidates
    inner join firm_components as first_side
        on first_side.component_node_id in (candidates.target_component_node_id, candidates.receiver_component_node_id)
    inner join overrides
        on overrides.action = 'never_link'
        and overrides.node_id = first_side.node_id
    inner join firm_components as second_side
        on second_side.node_id = overrides.other_node_id
        and second_side.component_node_id in (candidates.target_component_node_id, candidates.receiver_component_node_id)
        and second_side.component_node_id <> first_side.component_node_id
),

cardinality_breaches as (
    select distinct
        candidates.target_node_id,
        candidates.receiver_node_id
    from candidates
    inner join component_sources as target_sources
        on target_sources.component_node_id = candidates.target_component_node_id
    inner join component_sources as receiver_sources
        on receiver_sources.component_node_id = candidates.receiver_component_node_id
        and receiver_sources.source = target_sources.source
    inner join source_cardinality
        on source_cardinality.source = target_sources.source
    where candidates.target_component_node_id <> candidates.receiver_component_node_id
      and target_sources.records + receiver_sources.records > source_cardinality.max_records_per_person
),

evidence_found as (
    -- (candidate, evidence) for every piece of corroboration present
    select distinct
        fact_comparison.target_node_id,
        fact_comparison.receiver_node_id,
        fact_comparison.id_value,
        'shared_' || fact_comparison.fact as evidence
    from fact_comparison
    where fact_comparison.shared_values > 0
      and fact_comparison.fact in ('person_name', 'birthday', 'gender')
    union all
    select distinct
        candidates.target_node_id,
        candidates.receiver_node_id,
        candidates.id_value,
        'name_on_order' as evidence
    from candidates
    inner join firm_components as buyer
        on buyer.node_id = candidates.receiver_node_id
    inner join receptions
        on receptions.record_key = buyer.record_key
        and receptions.id_value = candidates.id_value
    inner join component_facts as known
        on known.component_node_id = candidates.receiver_component_node_id
        and known.fact = 'person_name'
        and known.value = receptions.receiver_name
    union all
    select
        candidates.target_node_id,
        candidates.receiver_node_id,
        candidates.id_value,
        'repeated_receiver' as evidence
    from candidates
    inner join firm_components as buyer
        on buyer.node_id = candidates.receiver_node_id
    inner join repeated_receptions
        on repeated_receptions.record_key = buyer.record_key
        and repeated_receptions.id_value = candidates.id_value
),

evidence_scores as (
    select
        evidence_found.target_node_id,
        evidence_found.receiver_node_id,
        evidence_found.id_value,
        sum(evidence_weights.weight) as evidence_score,
        {{ dbt.listagg('evidence_found.evidence', "', '", 'order by evidence_found.evidence') }} as evidence
    from evidence_found
    inner join candidates
        on candidates.target_node_id = evidence_found.target_node_id
        and candidates.receiver_node_id = evidence_found.receiver_node_id
        and candidates.id_value = evidence_found.id_value
    inner join evidence_weights
        on evidence_weights.id_type = candidates.id_type
        and evidence_weights.evidence = evidence_found.evidence
    group by evidence_found.target_node_id, evidence_found.receiver_node_id, evidence_found.id_value
),

judged as (
    select
        candidates.*,
        {%- for fact in ['unionid', 'gender', 'person_name'] %}
        coalesce(max(case when fact_comparison.fact = '{{ fact }}' and fact_comparison.shared_values = 0 then 1 else 0 end), 0) = 1
            as {{ fact }}_conflict,
        {%- endfor %}
        coalesce(max(receiver_phones.other_phones), 0) > 0 as other_phone_conflict,
        max(case when other_receptions.target_node_id is not null then 1 else 0 end) = 1 as other_receiver_phone_conflict,
        max(case when cardinality_breaches.target_node_id is not null then 1 else 0 end) = 1 as cardinality_conflict,
        max(case when overridden.target_node_id is not null then 1 else 0 end) = 1 as override_conflict
    from candidates
    left join fact_comparison
        on fact_comparison.target_node_id = candidates.target_node_id
        and fact_comparison.receiver_node_id = candidates.receiver_node_id
    left join receiver_phones
        on receiver_phones.target_node_id = candidates.target_node_id
        and receiver_phones.receiver_node_id = candidates.receiver_node_id
    left join other_receptions
        on other_receptions.target_node_id = candidates.target_node_id
        and other_receptions.receiver_node_id = candidates.receiver_node_id
    left join cardinality_breaches
        on cardinality_breaches.target_node_id = candidates.target_node_id
        and cardinality_breaches.receiver_node_id = candidates.receiver_node_id
    left join overridden
        on overridden.target_node_id = candidates.target_node_id
        and overridden.receiver_node_id = candidates.receiver_node_id
    group by
        candidates.target_node_id, candidates.receiver_node_id, candidates.id_type, candidates.id_value,
        candidates.target_component_node_id, candidates.receiver_component_node_id
),

scored as (
    select
        judged.*,
        coalesce(evidence_scores.evidence_score, 0) as evidence_score,
        evidence_scores.evidence,
        coalesce(guarded_rules.min_evidence, 0) as min_evidence,
        judged.target_component_node_id = judged.receiver_component_node_id as already_joined,
        (
            judged.override_conflict  -- an operator's never_link, whatever the checks
            {%- for check in checks %}
            or judged.{{ check }}_conflict
            {%- endfor %}
        ) as contradicted
    from judged
    left join evidence_scores
        on evidence_scores.target_node_id = judged.target_node_id
        and evidence_scores.receiver_node_id = judged.receiver_node_id
        and evidence_scores.id_value = judged.id_value
    left join guarded_rules
        on guarded_rules.id_type = judged.id_type
)

select
    *,
    not contradicted and evidence_score >= min_evidence as links,
    case
        when contradicted then 'kept_apart'
        when evidence_score >= min_evidence then 'linked'
        else 'candidate'
    end as decision
from scored
