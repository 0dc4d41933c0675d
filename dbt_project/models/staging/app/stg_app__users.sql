with source as (

    select * from {{ source('raw', 'app__users') }}

),

latest as (

    {{ latest_version('source', ['user_id'], 'update_time') }}

)

select
    user_id,
    phone,
    email,
    nickname,
    birthday,
    gender,
    device_ids,
    register_time,
    last_login_time,
    push_enabled,
    update_time,
    _source_file,
    _file_date,
    _row_number
from latest
