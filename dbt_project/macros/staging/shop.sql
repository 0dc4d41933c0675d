{#-
    The mini program store and Channels (video account) shops export orders and after-sales with the
    same columns; Channels adds where an order was placed (order_scene, live_id, finder_id), passed as
    extra_columns. One staging shape serves both.
-#}
{% macro stage_shop_orders(raw_table, extra_columns=[]) -%}
with latest as (

    {{ c360.latest_version(source('raw', raw_table), ['order_id', 'line_no'], 'update_time') }}

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
    {%- for column in extra_columns %}
    {{ column }},
    {%- endfor %}
    {{ c360.normalise_phone('receiver_phone') }} as receiver_phone_normalised,
    {{ c360.phone_kind('receiver_phone') }} as receiver_phone_kind,
    {{ c360.staging_lineage_columns() }}
from latest
{%- endmacro %}


{% macro stage_shop_aftersales(raw_table) -%}
with latest as (

    {{ c360.latest_version(source('raw', raw_table), ['aftersale_id'], 'update_time') }}

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
    {{ c360.staging_lineage_columns() }}
from latest
{%- endmacro %}
