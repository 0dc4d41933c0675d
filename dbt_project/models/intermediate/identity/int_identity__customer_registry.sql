{#-
    The warehouse's memory of who is who: one row per source record ever resolved, with its
    customer_id. Incremental and never fully refreshed, so that ids survive from run to run:

      - a component whose records already had ids keeps one of them: an id stays with the
        component that holds most of its records (a split leaves the others), and when several ids
        meet in one component (a merge) the oldest survives (earliest customer_id_created_at, then
        the smallest id); the retired ids appear in customer_id_history;
      - a component made only of new records gets a new id derived from its smallest record_key
        ('C' + 16 hex digits of its hash), so ids depend on the data only, never on row order or
        on when the run happened (a collision with an existing id, possible only after a split,
        is avoided by hashing the key with a '#split' suffix).

    Each run writes only the rows whose customer_id changed (or that are new), keeping the id each
    row had before in previous_customer_id and the run's start in assigned_at.
-#}
{{ config(
    materialized='incremental',
    unique_key='record_key',
    incremental_strategy='delete+insert',
    full_refresh=false,
    on_schema_change='append_new_columns'
) }}

with

components as (
    select * from {{ ref('int_identity__components') }}
),

previous as (
    {% if is_incremental() %}
    select record_key, customer_id, customer_id_created_at from {{ this }}
    {% else %}
    select
        cast(null as {{ dbt.type_string() }}) as record_key,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ c360.type_timestamptz() }}) as customer_id_created_at
    where 1 = 0
    {% endif %}
),

current_records as (
    select
        components.record_key,
        components.source,
        components.source_key,
        components.component_node_id,
        previous.customer_id as previous_customer_id,
        previous.customer_id_created_at as previous_created_at
    from components
    left join previous
        on previous.record_key = components.record_key
),

id_spread as (
    select
        previous_customer_id as customer_id,
        component_node_id,
        min(previous_created_at) as created_at,
        count(*) as records,
        min(record_key) as first_record_key
    from current_records
    where previous_customer_id is not null
    group by previous_customer_id, component_node_id
),

id_home as (
    select customer_id, component_node_id, created_at
    from (
        select
            *,
            row_number() over (
                partition by customer_id
                order by records desc, first_record_key
            ) as home_rank
        from id_spread
    ) as ranked
    where home_rank = 1
),

component_survivor as (
    select component_node_id, customer_id, created_at
    from (
        select
            *,
            row_number() over (
                partition by component_node_id
                order by created_at, customer_id
            ) as survivor_rank
        from id_home
    ) as ranked
    where survivor_rank = 1
),

existing_ids as (
    select distinct customer_id from previous
),

component_keys as (
    select
        component_node_id,
        min(record_key) as min_record_key
    from current_records
    group by component_node_id
),

new_ids as (
    select
        component_keys.component_node_id,
        case
            when existing_ids.customer_id is null
                then {{ c360.customer_id_from_key('component_keys.min_record_key') }}
            else {{ c360.customer_id_from_key(dbt.concat(['component_keys.min_record_key', "'#split'"])) }}
        end as customer_id
    from component_keys
    left join existing_ids
        on existing_ids.customer_id = {{ c360.customer_id_from_key('component_keys.min_record_key') }}
),

assigned as (
    select
        current_records.record_key,
        current_records.source,
        current_records.source_key,
        coalesce(component_survivor.customer_id, new_ids.customer_id) as customer_id,
        coalesce(component_survivor.created_at, {{ c360.run_started_at_literal() }}) as customer_id_created_at,
        current_records.previous_customer_id
    from current_records
    left join component_survivor
        on component_survivor.component_node_id = current_records.component_node_id
    left join new_ids
        on new_ids.component_node_id = current_records.component_node_id
)

select
    record_key,
    source,
    source_key,
    customer_id,
    customer_id_created_at,
    previous_customer_id,
    {{ c360.run_started_at_literal() }} as assigned_at
from assigned
where previous_customer_id is null
   or previous_customer_id <> customer_id
