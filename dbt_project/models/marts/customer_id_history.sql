{#-
    What happened to customer ids, and why (change):
      merge     old_customer_id stopped existing because persons merged: it now lives on as customer_id
                (always a current id: when the survivor is itself merged later, older rows are re-pointed);
      split     some records of old_customer_id (which the larger part keeps) now form customer_id, a new id;
      override  a merge or a split that an operator's override asked for (reason names its file and line;
                old_customer_id is retired when the override merged it).
    changed_at is the start of the run in which it happened. Incremental and never fully refreshed, like
    the registry it follows; event_key identifies a row (a retired id, or an old and a new id of a split).
-#}
{{ config(
    materialized='incremental',
    unique_key='event_key',
    incremental_strategy='delete+insert',
    full_refresh=false,
    on_schema_change='append_new_columns'
) }}

with

registry as (
    select * from {{ ref('int_identity__customer_registry') }}
),

resolved as (
    select * from {{ ref('int_identity__resolved_records') }}
),

overrides as (
    select * from {{ ref('int_identity__overrides') }}
),

current_ids as (
    select distinct customer_id from resolved
),

override_reasons as (
    -- customers holding a record an override names, with the first such line
    select
        resolved.customer_id,
        min({{ dbt.concat(['overrides.file', "' line '", 'cast(overrides.line as ' ~ dbt.type_string() ~ ')']) }}) as reason
    from resolved
    inner join overrides
        on resolved.record_key in (overrides.record_key, overrides.other_record_key)
    group by resolved.customer_id
),

moves as (
    select
        registry.previous_customer_id as old_customer_id,
        registry.customer_id,
        min(registry.assigned_at) as changed_at,
        max(registry.assigned_at) as last_assigned_at,
        count(*) as records,
        registry.previous_customer_id not in (select current_ids.customer_id from current_ids) as old_retired
    from registry
    inner join resolved
        on resolved.record_key = registry.record_key
    where registry.previous_customer_id is not null
      and registry.previous_customer_id <> registry.customer_id
    group by registry.previous_customer_id, registry.customer_id
),

retirements as (
    select old_customer_id, customer_id, changed_at, old_retired
    from (
        select
            *,
            row_number() over (
                partition by old_customer_id
                order by records desc, customer_id
            ) as move_rank
        from moves
        where old_retired
    ) as ranked
    where move_rank = 1
),

splits as (
    select old_customer_id, customer_id, changed_at, old_retired
    from moves
    where not old_retired
      and last_assigned_at = {{ c360.run_started_at_literal() }}
),

events as (
    select
        case when events.old_retired then events.old_customer_id
             else {{ dbt.concat(['events.old_customer_id', "'>'", 'events.customer_id']) }} end as event_key,
        events.old_customer_id,
        events.customer_id,
        events.changed_at,
        case
            when coalesce(new_side.reason, old_side.reason) is not null then 'override'
            when events.old_retired then 'merge'
            else 'split'
        end as change,
        coalesce(new_side.reason, old_side.reason) as reason
    from (
        select * from retirements
        union all
        select * from splits
    ) as events
    left join override_reasons as new_side
        on new_side.customer_id = events.customer_id
    left join override_reasons as old_side
        on old_side.customer_id = events.old_customer_id
)

{% if is_incremental() %}
,

recorded as (
    select * from {{ this }}
),

fresh as (
    select events.*
    from events
    left join recorded
        on recorded.event_key = events.event_key
    where recorded.event_key is null
),

repointed as (
    -- ids merged earlier into an id that has now merged too
    select
        recorded.event_key,
        recorded.old_customer_id,
        fresh.customer_id,
        recorded.changed_at,
        recorded.change,
        recorded.reason
    from recorded
    inner join fresh
        on fresh.old_customer_id = recorded.customer_id
        and fresh.event_key = fresh.old_customer_id
    where recorded.event_key = recorded.old_customer_id
)

select event_key, old_customer_id, customer_id, changed_at, change, reason from fresh
union all
select event_key, old_customer_id, customer_id, changed_at, change, reason from repointed

{% else %}

select event_key, old_customer_id, customer_id, changed_at, change, reason from events

{% endif %}
