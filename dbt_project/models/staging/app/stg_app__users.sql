with latest as (

    {{ latest_version(source('raw', 'app__users'), ['user_id'], 'update_time') }}

)

select
    {{ c360.clean_id('user_id') }} as user_id,
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
    {{ c360.normalise_phone('phone') }} as phone_normalised,
    {{ c360.phone_kind('phone') }} as phone_kind,
    {{ c360.normalise_email('email') }} as email_normalised,
    {{ c360.email_kind('email') }} as email_kind,
    {{ c360.normalise_birthday('birthday') }} as birthday_normalised,
    {{ c360.normalise_gender('gender') }} as gender_normalised,
    {{ c360.clean_id_list('device_ids', hex=true) }} as device_ids_normalised,
    {{ c360.staging_lineage_columns() }}
from latest
