{#-
    Per customer: the messages that reached them (int_profiles__messages) and how they responded,
    overall and per contact channel (var profile_contact_channels). Rates are over the messages
    not failed: open_rate = opened / reached, click_rate = clicked / reached (a click counts as an
    open). A contact is a message that did not fail: last_contact_at and contacts_30d count those;
    messages_total and <channel>_messages count every message sent. best_response_channel: the contact channel with the highest click rate, then open rate,
    then most messages reached, among those with at least one open.
-#}
{%- set contact_channels = var('profile_contact_channels').values() | unique | list %}

with

messages as (
    select * from {{ ref('int_profiles__messages') }}
    where customer_id is not null
),

as_of as (
    select * from {{ ref('int_profiles__as_of') }}
),

by_channel as (
    select
        messages.customer_id,
        messages.contact_channel,
        count(*) as messages_sent,
        {{ c360.count_where("messages.is_reached") }} as messages_reached,
        {{ c360.count_where("messages.is_reached and messages.is_opened") }} as messages_opened,
        {{ c360.count_where("messages.is_reached and messages.is_clicked") }} as messages_clicked,
        {{ c360.count_where('messages.is_reached and ' ~ c360.days_between('messages.sent_date', 'as_of.as_of_date') ~ ' < 30') }} as messages_30d,
        max(case when messages.is_reached then messages.sent_at end) as last_sent_at
    from messages
    cross join as_of
    group by messages.customer_id, messages.contact_channel
),

rated as (
    select
        *,
        {{ c360.ratio('messages_opened', 'messages_reached') }} as open_rate,
        {{ c360.ratio('messages_clicked', 'messages_reached') }} as click_rate
    from by_channel
),

best as (
    select
        customer_id,
        contact_channel,
        row_number() over (
            partition by customer_id
            order by click_rate desc, open_rate desc, messages_reached desc, contact_channel
        ) as response_rank
    from rated
    where messages_opened > 0
)

select
    rated.customer_id,
    {{ c360.sum_bigint('rated.messages_sent') }} as messages_total,
    {{ c360.sum_bigint('rated.messages_reached') }} as messages_reached,
    {{ c360.sum_bigint('rated.messages_30d') }} as contacts_30d,
    max(rated.last_sent_at) as last_contact_at,
    {%- for channel in contact_channels %}
    coalesce({{ c360.sum_bigint("case when rated.contact_channel = '" ~ channel ~ "' then rated.messages_sent end") }}, 0) as {{ channel }}_messages,
    max(case when rated.contact_channel = '{{ channel }}' then rated.open_rate end) as {{ channel }}_open_rate,
    max(case when rated.contact_channel = '{{ channel }}' then rated.click_rate end) as {{ channel }}_click_rate,
    {%- endfor %}
    max(best.contact_channel) as best_response_channel
from rated
left join best
    on best.customer_id = rated.customer_id
    and best.contact_channel = rated.contact_channel
    and best.response_rank = 1
group by rated.customer_id
