with latest as (

    {{ latest_version(source('raw', 'miniprogram__users'), ['openid'], 'update_time') }}

)

select
    {{ c360.clean_id('openid') }} as openid,
    {{ c360.clean_id('unionid') }} as unionid,
    phone,
    nickname,
    gender,
    register_time,
    update_time,
    {{ c360.normalise_phone('phone') }} as phone_normalised,
    {{ c360.phone_kind('phone') }} as phone_kind,
    {{ c360.normalise_gender('gender') }} as gender_normalised,
    {{ c360.staging_lineage_columns() }}
from latest
