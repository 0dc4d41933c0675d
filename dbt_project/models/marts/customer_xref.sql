{#- Every source record that names a person, and whom it resolved to. -#}
with

resolved as (
    select * from {{ ref('int_identity__resolved_records') }}
)

select
    customer_id,
    source,
    source_key,
    record_key,
    first_seen_at,
    last_seen_at
from resolved
