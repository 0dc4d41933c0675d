with source as (

    select * from {{ source('raw', 'web__orders') }}

),

latest as (

    {{ latest_version('source', ['order_id'], 'updated_at') }}

)

select
    order_id,
    customer_id,
    guest_email,
    guest_phone,
    created_at,
    updated_at,
    status,
    total_yuan,
    refunded_yuan,
    currency,
    items,
    category,
    coupon_code,
    _source_file,
    _file_date,
    _row_number
from latest
