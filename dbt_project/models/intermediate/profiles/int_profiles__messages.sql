{#-
    Every touchpoint message sent on or before the as-of date, with the customer it reached:
    the recipient is an identifier of the type named by the seed profile_recipient_types (a phone
    normalised like every phone, other ids cleaned like every id) and resolves through
    customer_identifiers. When one value belongs to several customers (a recycled number or a
    shared id that stopped linking) the message goes to the customer for whom the value links,
    then the one who showed it last. customer_id is null when nobody has the value.
    contact_channel groups the message channels (var profile_contact_channels).
-#}
{%- set contact_channels = var('profile_contact_channels') %}

with

messages as (
    select * from {{ ref('stg_touchpoints__messages') }}
),

recipient_types as (
    select * from {{ ref('profile_recipient_types') }}
),

identifiers as (
    select * from {{ ref('customer_identifiers') }}
),

as_of as (
    select * from {{ ref('int_profiles__as_of') }}
),

normalised as (
    select
        messages.message_id,
        messages.channel as message_channel,
        case messages.channel
            {%- for message_channel, contact_channel in contact_channels.items() %}
            when '{{ message_channel }}' then '{{ contact_channel }}'
            {%- endfor %}
        end as contact_channel,
        messages.recipient_type,
        recipient_types.id_type,
        case
            when recipient_types.id_type = 'phone' then {{ c360.normalise_phone('messages.recipient_id') }}
            else {{ c360.clean_id('messages.recipient_id') }}
        end as id_value,
        messages.campaign_id,
        messages.sent_at,
        {{ c360.local_date('messages.sent_at') }} as sent_date,
        messages.status,
        coalesce(messages.status, 'sent') <> 'failed' as is_reached,
        messages.opened_at is not null or messages.clicked_at is not null as is_opened,
        messages.clicked_at is not null as is_clicked
    from messages
    left join recipient_types
        on recipient_types.recipient_type = messages.recipient_type
),

in_window as (
    select normalised.*
    from normalised
    cross join as_of
    where normalised.sent_date <= as_of.as_of_date
),

candidates as (
    select
        in_window.message_id,
        identifiers.customer_id,
        row_number() over (
            partition by in_window.message_id
            order by
                case when identifiers.links then 0 else 1 end,
                identifiers.last_observed_at desc,
                identifiers.customer_id
        ) as candidate_rank
    from in_window
    inner join identifiers
        on identifiers.id_type = in_window.id_type
        and identifiers.id_value = in_window.id_value
)

select
    in_window.message_id,
    candidates.customer_id,
    in_window.message_channel,
    in_window.contact_channel,
    in_window.recipient_type,
    in_window.id_type,
    in_window.campaign_id,
    in_window.sent_at,
    in_window.sent_date,
    in_window.status,
    in_window.is_reached,
    in_window.is_opened,
    in_window.is_clicked
from in_window
left join candidates
    on candidates.message_id = in_window.message_id
    and candidates.candidate_rank = 1
