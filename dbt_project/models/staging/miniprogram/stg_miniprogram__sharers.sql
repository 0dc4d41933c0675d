with latest as (

    {{ latest_version(source('raw', 'miniprogram__sharers'), ['sharer_openid'], 'update_time') }}

)

select
    {{ c360.clean_id('sharer_openid') }} as sharer_openid,
    {{ c360.clean_id('sharer_unionid') }} as sharer_unionid,
    nickname,
    sharer_type,
    store_id,
    store_name,
    bind_time,
    unbind_time,
    update_time,
    {{ c360.staging_lineage_columns() }}
from latest
