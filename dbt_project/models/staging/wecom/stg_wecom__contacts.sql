with latest as (

    {{ latest_version(source('raw', 'wecom__contacts'), ['external_userid', 'follow_userid'], 'update_time') }}

)

select
    {{ c360.clean_id('external_userid') }} as external_userid,
    {{ c360.clean_id('unionid') }} as unionid,
    name,
    type,
    gender,
    follow_userid,
    follow_user_name,
    remark,
    remark_mobiles,
    description,
    add_time,
    add_way,
    state,
    tags,
    deleted,
    update_time,
    {{ c360.normalise_phone_list('remark_mobiles') }} as remark_mobiles_normalised,
    {{ c360.person_name_from_remark('remark') }} as remark_name,
    {{ c360.normalise_gender('gender') }} as gender_normalised,
    {{ c360.staging_lineage_columns() }}
from latest
