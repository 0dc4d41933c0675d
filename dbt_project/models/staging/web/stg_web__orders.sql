with latest as (

    {{ latest_version(source('raw', 'web__orders'), ['order_id'], 'updated_at') }}

)

select
    {{ c360.clean_id('order_id') }} as order_id,
    {{ c360.clean_id('customer_id') }} as customer_id,
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
    {{ c360.normalise_phone('guest_phone') }} as guest_phone_normalised,
    {{ c360.phone_kind('guest_phone') }} as guest_phone_kind,
    {{ c360.normalise_email('guest_email') }} as guest_email_normalised,
    {{ c360.email_kind('guest_email') }} as guest_email_kind,
    {{ c360.staging_lineage_columns() }}
from latest
