with latest as (

    {{ latest_version(source('raw', 'miniprogram__orders'), ['order_id', 'line_no'], 'update_time') }}

)

select
    {{ c360.clean_id('order_id') }} as order_id,
    line_no,
    create_time,
    pay_time,
    update_time,
    status,
    {{ c360.clean_id('buyer_openid') }} as buyer_openid,
    {{ c360.clean_id('buyer_unionid') }} as buyer_unionid,
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
    {{ c360.clean_id('sharer_openid') }} as sharer_openid,
    {{ c360.clean_id('sharer_unionid') }} as sharer_unionid,
    share_scene,
    commission_fen,
    {{ c360.normalise_phone('receiver_phone') }} as receiver_phone_normalised,
    {{ c360.phone_kind('receiver_phone') }} as receiver_phone_kind,
    _source_file,
    _file_date,
    _row_number,
    _loaded_at,
    _record_key
from latest
