{#-
    One row per event in a customer's history, from every channel (published as c360.customer_events):
    orders and after-sales (int_events__orders), accounts and relationships (int_events__relationships),
    touchpoint messages (int_events__messages). `detail` is a short code (a status, a type, a scene, a
    campaign), never personal data. `order_step` orders the events of one order (1 placed, 2 paid,
    3 latest status, 4 after-sale opened, 5 after-sale settled; 0 for events of no order).
-#}
with

order_events as (
    select * from {{ ref('int_events__orders') }}
),

relationship_events as (
    select * from {{ ref('int_events__relationships') }}
),

message_events as (
    select * from {{ ref('int_events__messages') }}
),

unioned as (
    select * from order_events
    union all
    select * from relationship_events
    union all
    select * from message_events
)

select
    event_key,
    customer_id,
    event_at,
    event_type,
    channel,
    order_key,
    amount_fen,
    detail,
    order_step
from unioned
order by customer_id, event_at
