with source as (

    select * from {{ source('raw', 'channels__aftersales') }}

),

latest as (

    {{ latest_version('source', ['aftersale_id'], 'update_time') }}

)

select
    aftersale_id,
    order_id,
    line_no,
    type,
    status,
    refund_amount_fen,
    reason,
    create_time,
    update_time,
    _source_file,
    _file_date,
    _row_number
from latest
