with latest as (

    {{ latest_version(source('raw', 'crm__members'), ['member_id'], 'update_time') }}

)

select
    {{ c360.clean_id('member_id') }} as member_id,
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
    {{ c360.normalise_phone('phone') }} as phone_normalised,
    {{ c360.phone_kind('phone') }} as phone_kind,
    {{ c360.normalise_birthday('birthday') }} as birthday_normalised,
    {{ c360.normalise_gender('gender') }} as gender_normalised,
    {{ c360.staging_lineage_columns() }}
from latest
