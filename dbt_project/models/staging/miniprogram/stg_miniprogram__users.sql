with source as (

    select * from {{ source('raw', 'miniprogram__users') }}

),

latest as (

    {{ latest_version('source', ['openid'], 'update_time') }}

)

select
    openid,
    unionid,
    phone,
    nickname,
    gender,
    register_time,
    update_time,
    _source_file,
    _file_date,
    _row_number
from latest
