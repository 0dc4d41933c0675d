with latest as (

    {{ latest_version(source('raw', 'miniprogram__aftersales'), ['aftersale_id'], 'update_time') }}

)

select
    {{ c360.clean_id('aftersale_id') }} as aftersale_id,
    {{ c360.clean_id('order_id') }} as order_id,
    line_no,
    type,
    status,
    refund_amount_fen,
    reason,
    create_time,
    update_time,
    _source_file,
    _file_date,
    _row_number,
    _loaded_at,
    _record_key
from latest
