{#-
    The touchpoint messages that reached a customer (int_profiles__messages decides whose they are):
    sent, and opened and clicked when they were.
-#}
with

messages as (
    select * from {{ ref('int_profiles__messages') }}
    where customer_id is not null
),

staged as (
    select * from {{ ref('stg_touchpoints__messages') }}
),

timed as (
    select
        messages.message_id,
        messages.customer_id,
        messages.message_channel as channel,
        messages.campaign_id as detail,
        staged.sent_at,
        staged.opened_at,
        staged.clicked_at
    from messages
    inner join staged
        on staged.message_id = messages.message_id
),

events as (
    select message_id, customer_id, sent_at as event_at, 'message_sent' as event_type, channel, detail from timed
    union all
    select message_id, customer_id, opened_at, 'message_opened', channel, detail from timed where opened_at is not null
    union all
    select message_id, customer_id, clicked_at, 'message_clicked', channel, detail from timed where clicked_at is not null
)

select
    {{ dbt.concat(["'touchpoints.messages|'", 'message_id', "'|'", 'event_type']) }} as event_key,
    customer_id,
    event_at,
    event_type,
    channel,
    cast(null as {{ dbt.type_string() }}) as order_key,
    cast(null as {{ dbt.type_bigint() }}) as amount_fen,
    detail,
    0 as order_step
from events
