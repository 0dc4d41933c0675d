{#-
    Ids that stopped existing because persons merged: old_customer_id now lives on as customer_id
    (always a current id: when the survivor is itself merged later, older rows are re-pointed).
    changed_at is the start of the run in which the old id stopped existing. Incremental and never
    fully refreshed, like the registry it follows.
-#}
{{ config(
    materialized='incremental',
    unique_key='old_customer_id',
    incremental_strategy='delete+insert',
    full_refresh=false
) }}

with

registry as (
    select * from {{ ref('int_identity__customer_registry') }}
),

resolved as (
    select * from {{ ref('int_identity__resolved_records') }}
),

current_ids as (
    select distinct customer_id from resolved
),

moves as (
    select
        registry.previous_customer_id as old_customer_id,
        registry.customer_id,
        min(registry.assigned_at) as changed_at,
        count(*) as records
    from registry
    inner join resolved
        on resolved.record_key = registry.record_key
    where registry.previous_customer_id is not null
      and registry.previous_customer_id <> registry.customer_id
      and registry.previous_customer_id not in (select customer_id from current_ids)
    group by registry.previous_customer_id, registry.customer_id
),

retirements as (
    select old_customer_id, customer_id, changed_at
    from (
        select
            *,
            row_number() over (
                partition by old_customer_id
                order by records desc, customer_id
            ) as move_rank
        from moves
    ) as ranked
    where move_rank = 1
)

{% if is_incremental() %}
,

recorded as (
    select * from {{ this }}
),

fresh as (
    select retirements.*
    from retirements
    left join recorded
        on recorded.old_customer_id = retirements.old_customer_id
    where recorded.old_customer_id is null
),

repointed as (
    select
        recorded.old_customer_id,
        fresh.customer_id,
        recorded.changed_at
    from recorded
    inner join fresh
        on fresh.old_customer_id = recorded.customer_id
)

select old_customer_id, customer_id, changed_at from fresh
union all
select old_customer_id, customer_id, changed_at from repointed

{% else %}

select old_customer_id, customer_id, changed_at from retirements

{% endif %}
