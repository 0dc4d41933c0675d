with source as (

    select * from {{ source('raw', 'app__orders') }}

),

latest as (

    {{ latest_version('source', ['order_id'], 'update_time') }}

)

select
    order_id,
    user_id,
    create_time,
    update_time,
    status,
    total_yuan,
    items,
    category,
    coupon_code,
    device_id,
    _source_file,
    _file_date,
    _row_number
from latest
