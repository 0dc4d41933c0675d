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
    _source_file,
    _file_date,
    _row_number,
    _loaded_at,
    _record_key
from latest
