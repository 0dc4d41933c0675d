with latest as (

    {{ latest_version(source('raw', 'official_account__followers'), ['openid'], 'update_time') }}

)

select
    {{ c360.clean_id('openid') }} as openid,
    {{ c360.clean_id('unionid') }} as unionid,
    subscribe,
    subscribe_time,
    unsubscribe_time,
    subscribe_scene,
    qr_scene_str,
    tagid_list,
    remark,
    update_time,
    {{ c360.staging_lineage_columns() }}
from latest
