with latest as (

    {{ latest_version(source('raw', 'web__customers'), ['customer_id'], 'updated_at') }}

)

select
    {{ c360.clean_id('customer_id') }} as customer_id,
    email,
    phone,
    name,
    created_at,
    updated_at,
    {{ c360.normalise_phone('phone') }} as phone_normalised,
    {{ c360.phone_kind('phone') }} as phone_kind,
    {{ c360.normalise_email('email') }} as email_normalised,
    {{ c360.email_kind('email') }} as email_kind,
    {{ c360.staging_lineage_columns() }}
from latest
