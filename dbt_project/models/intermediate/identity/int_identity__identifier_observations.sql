{#-
    Every identifier a source record carries, normalised, one row per (record, id_type, id_value,
    role). The role says what the identifier is to the record (see the seed identity_link_rules):
    whether it links and whether it is published is decided there, not here.
    Values that are not identifiers at all (masked, landline, placeholder, junk phones; invalid or
    placeholder emails; ids in scientific notation) were already nulled by the staging normalisers.
-#}
with

{{ c360.identity_source_imports() }}

wecom_remark_mobiles as (
    select
        external_userid,
        update_time,
        {{ c360.unnest_list('remark_mobiles_normalised') }} as mobile
    from wecom_contacts
),

app_devices as (
    select
        user_id,
        update_time,
        {{ c360.unnest_list('device_ids_normalised') }} as device_id
    from app_users
),

observations as (
    -- mini program users
    select 'miniprogram.users' as source, openid as source_key, 'mp_openid' as id_type, openid as id_value, 'platform' as role, update_time as observed_at from mp_users
    union all
    select 'miniprogram.users', openid, 'unionid', unionid, 'platform', update_time from mp_users
    union all
    select 'miniprogram.users', openid, 'phone', phone_normalised, 'authorised', update_time from mp_users

    -- sharers (mini program namespace)
    union all
    select 'miniprogram.sharers', sharer_openid, 'mp_openid', sharer_openid, 'platform', update_time from mp_sharers
    union all
    select 'miniprogram.sharers', sharer_openid, 'unionid', sharer_unionid, 'platform', update_time from mp_sharers

    -- shop buyers: the buyer openid is in the shop's own namespace; the receiver's phone is the
    -- buyer's own on most orders, never on a gift (is_present)
    union all
    select 'miniprogram.buyers', buyer_openid, 'mp_openid', buyer_openid, 'platform', update_time from mp_orders
    union all
    select 'miniprogram.buyers', buyer_openid, 'unionid', buyer_unionid, 'platform', update_time from mp_orders
    union all
    select 'miniprogram.buyers', buyer_openid, 'phone', receiver_phone_normalised, case when is_present then 'gift_receiver' else 'receiver' end, update_time from mp_orders
    union all
    select 'channels.buyers', buyer_openid, 'channels_openid', buyer_openid, 'platform', update_time from channels_orders
    union all
    select 'channels.buyers', buyer_openid, 'unionid', buyer_unionid, 'platform', update_time from channels_orders
    union all
    select 'channels.buyers', buyer_openid, 'phone', receiver_phone_normalised, case when is_present then 'gift_receiver' else 'receiver' end, update_time from channels_orders

    -- WeCom contacts (one record per external_userid, whatever the employee)
    union all
    select 'wecom.contacts', external_userid, 'wecom_external_userid', external_userid, 'platform', update_time from wecom_contacts
    union all
    select 'wecom.contacts', external_userid, 'unionid', unionid, 'platform', update_time from wecom_contacts
    union all
    select 'wecom.contacts', external_userid, 'phone', mobile, 'staff_typed', update_time from wecom_remark_mobiles

    -- official account followers
    union all
    select 'official_account.followers', openid, 'oa_openid', openid, 'platform', update_time from oa_followers
    union all
    select 'official_account.followers', openid, 'unionid', unionid, 'platform', update_time from oa_followers

    -- app users
    union all
    select 'app.users', user_id, 'app_user_id', user_id, 'account', update_time from app_users
    union all
    select 'app.users', user_id, 'phone', phone_normalised, 'registered', update_time from app_users
    union all
    select 'app.users', user_id, 'email', email_normalised, 'registered', update_time from app_users
    union all
    select 'app.users', user_id, 'device_id', device_id, 'registered', update_time from app_devices

    -- web customers and web guests (a guest checkout is a record of its own, keyed by order_id)
    union all
    select 'web.customers', customer_id, 'web_customer_id', customer_id, 'account', updated_at from web_customers
    union all
    select 'web.customers', customer_id, 'phone', phone_normalised, 'registered', updated_at from web_customers
    union all
    select 'web.customers', customer_id, 'email', email_normalised, 'registered', updated_at from web_customers
    union all
    select 'web.guests', order_id, 'phone', guest_phone_normalised, 'checkout', updated_at from web_orders where customer_id is null
    union all
    select 'web.guests', order_id, 'email', guest_email_normalised, 'checkout', updated_at from web_orders where customer_id is null

    -- CRM members
    union all
    select 'crm.members', member_id, 'crm_member_id', member_id, 'account', update_time from crm_members
    union all
    select 'crm.members', member_id, 'phone', phone_normalised, 'registered', update_time from crm_members
)

select
    {{ dbt.concat(['source', "'|'", 'source_key']) }} as record_key,
    source,
    source_key,
    id_type,
    id_value,
    role,
    min(observed_at) as first_observed_at,
    max(observed_at) as last_observed_at
from observations
where source_key is not null
  and id_value is not null
group by source, source_key, id_type, id_value, role
