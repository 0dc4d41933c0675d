with source as (

    select * from {{ source('raw', 'web__customers') }}

),

latest as (

    {{ latest_version('source', ['customer_id'], 'updated_at') }}

)

select
    customer_id,
    email,
    phone,
    name,
    created_at,
    updated_at,
    _source_file,
    _file_date,
    _row_number
from latest
