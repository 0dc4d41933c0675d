with source as (

    select * from {{ source('raw', 'miniprogram__orders') }}

),

latest as (

    {{ latest_version('source', ['order_id', 'line_no'], 'update_time') }}

)

select
    order_id,
    line_no,
    create_time,
    pay_time,
    update_time,
    status,
    buyer_openid,
    buyer_unionid,
    product_id,
    sku_id,
    product_title,
    category,
    quantity,
    unit_price_fen,
    paid_amount_fen,
    discount_fen,
    freight_fen,
    promotion_type,
    coupon_id,
    is_present,
    receiver_name,
    receiver_phone,
    province,
    city,
    district,
    address,
    sharer_openid,
    sharer_unionid,
    share_scene,
    commission_fen,
    _source_file,
    _file_date,
    _row_number
from latest
