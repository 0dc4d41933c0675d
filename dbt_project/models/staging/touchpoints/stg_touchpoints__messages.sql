with latest as (

    {{ latest_version(source('raw', 'touchpoints__messages'), ['message_id'], 'sent_at') }}

)

select
    message_id,
    channel,
    recipient_type,
    recipient_id,
    campaign_id,
    sent_at,
    status,
    opened_at,
    clicked_at,
    {{ c360.staging_lineage_columns() }}
from latest
