with source as (

    select * from {{ source('raw', 'wecom__contacts') }}

),

latest as (

    {{ latest_version('source', ['external_userid', 'follow_userid'], 'update_time') }}

)

select
    external_userid,
    unionid,
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
    _source_file,
    _file_date,
    _row_number
from latest
