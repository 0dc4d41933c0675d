with latest as (

    {{ latest_version(source('raw', 'app__orders'), ['order_id'], 'update_time') }}

)

select
    {{ c360.clean_id('order_id') }} as order_id,
    {{ c360.clean_id('user_id') }} as user_id,
    create_time,
    update_time,
    status,
    total_yuan,
    items,
    category,
    coupon_code,
    {{ c360.clean_id('device_id', hex=true) }} as device_id,
    {{ c360.staging_lineage_columns() }}
from latest
