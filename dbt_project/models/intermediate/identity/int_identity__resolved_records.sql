{#- Every current source record with its stable customer_id (the registry, limited to the records of this run). -#}
with

components as (
    select * from {{ ref('int_identity__components') }}
),

registry as (
    select * from {{ ref('int_identity__customer_registry') }}
),

records as (
    select * from {{ ref('int_identity__source_records') }}
)

select
    components.record_key,
    components.source,
    components.source_key,
    registry.customer_id,
    registry.customer_id_created_at,
    components.component_node_id,
    records.first_seen_at,
    records.last_seen_at,
    records.updated_at
from components
inner join registry
    on registry.record_key = components.record_key
inner join records
    on records.record_key = components.record_key
