{#-
    The identifier index of `c360 serve` (published as c360.customer_lookup): one row per
    (lookup_kind, lookup_value) with the one customer it answers. Kinds and the id_types they read
    are the seed serve_lookup_kinds; a customer_id finds itself, and an id that stopped existing when
    persons merged finds the customer it merged into. When one value belongs to several customers (a
    recycled number, a shared id that stopped linking), it answers the customer for whom the value
    links, then the one who showed it last, as messages are attributed (int_profiles__messages).
    Sorted by value, so that a lookup reads one row group.
-#}
with

kinds as (
    select * from {{ ref('serve_lookup_kinds') }}
),

identifiers as (
    select * from {{ ref('customer_identifiers') }}
),

customers as (
    select * from {{ ref('customers') }}
),

history as (
    select * from {{ ref('customer_id_history') }}
),

candidates as (
    select
        kinds.kind as lookup_kind,
        identifiers.id_value as lookup_value,
        identifiers.customer_id,
        identifiers.links,
        identifiers.last_observed_at
    from identifiers
    inner join kinds
        on kinds.id_type = identifiers.id_type
    union all
    select 'customer_id', customer_id, customer_id, true, last_seen_at
    from customers
    union all
    select 'customer_id', history.old_customer_id, history.customer_id, false, history.changed_at
    from history
    inner join customers
        on customers.customer_id = history.customer_id
),

ranked as (
    select
        *,
        count(*) over (partition by lookup_kind, lookup_value) as candidate_count,
        row_number() over (
            partition by lookup_kind, lookup_value
            order by case when links then 0 else 1 end, last_observed_at desc, customer_id
        ) as candidate_rank
    from candidates
)

select
    lookup_value,
    lookup_kind,
    customer_id,
    candidate_count
from ranked
where candidate_rank = 1
order by lookup_value, lookup_kind
