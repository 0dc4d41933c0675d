{#-
    The identity graph's nodes: one per source record, numbered densely in record_key order so the
    connected-components passes join on integers. The numbers are internal to one run; the stable
    customer_id comes from int_identity__customer_registry.
-#}
with

records as (
    select * from {{ ref('int_identity__source_records') }}
)

select
    row_number() over (order by record_key) as node_id,
    record_key,
    source,
    source_key
from records
