with source as (

    select * from {{ source('raw', 'crm__members') }}

),

latest as (

    {{ latest_version('source', ['member_id'], 'update_time') }}

)

select
    member_id,
    name,
    phone,
    birthday,
    gender,
    store_id,
    level,
    points,
    sms_opt_in,
    join_date,
    update_time,
    _source_file,
    _file_date,
    _row_number
from latest
