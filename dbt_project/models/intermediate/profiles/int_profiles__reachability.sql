{#-
    Per customer: whether and through whom the merchant can reach them, from the latest version of
    each of the customer's source records (customer_xref):
      oa_subscribed         a followers record of the official account with subscribe = 1
      wecom_active_contact  a WeCom relationship (external_userid, employee) not deleted
      wecom_owner_*         the employee of the most recently added active relationship
      sms_opt_in            a CRM membership with sms_opt_in; sms_reachable also needs a mobile
      app_push_enabled      an app account with push enabled
-#}
with

customers as (
    select * from {{ ref('customers') }}
),

xref as (
    select * from {{ ref('customer_xref') }}
),

followers as (
    select * from {{ ref('stg_official_account__followers') }}
),

wecom_contacts as (
    select * from {{ ref('stg_wecom__contacts') }}
),

crm_members as (
    select * from {{ ref('stg_crm__members') }}
),

app_users as (
    select * from {{ ref('stg_app__users') }}
),

oa as (
    {{ c360.any_flag_per_customer('followers', 'official_account.followers', 'openid', 'subscribe', 'oa_subscribed') }}
),

wecom_relationships as (
    select
        xref.customer_id,
        wecom_contacts.follow_userid,
        wecom_contacts.follow_user_name,
        wecom_contacts.add_time,
        not coalesce(wecom_contacts.deleted, false) as is_active
    from wecom_contacts
    inner join xref
        on xref.source = 'wecom.contacts'
        and xref.source_key = wecom_contacts.external_userid
),

wecom_owners as (
    select
        customer_id,
        follow_userid,
        follow_user_name,
        row_number() over (
            partition by customer_id
            order by add_time desc, follow_userid
        ) as owner_rank
    from wecom_relationships
    where is_active
),

wecom as (
    select
        customer_id,
        {{ dbt.bool_or('is_active') }} as wecom_active_contact,
        {{ c360.count_where("is_active") }} as wecom_active_relationships
    from wecom_relationships
    group by customer_id
),

crm as (
    {{ c360.any_flag_per_customer('crm_members', 'crm.members', 'member_id', 'sms_opt_in', 'sms_opt_in') }}
),

app as (
    {{ c360.any_flag_per_customer('app_users', 'app.users', 'user_id', 'push_enabled', 'app_push_enabled') }}
),

flags as (
    select
        customers.customer_id,
        coalesce(oa.oa_subscribed, false) as oa_subscribed,
        coalesce(wecom.wecom_active_contact, false) as wecom_active_contact,
        coalesce(wecom.wecom_active_relationships, 0) as wecom_active_relationships,
        wecom_owners.follow_userid as wecom_owner_userid,
        wecom_owners.follow_user_name as wecom_owner_name,
        coalesce(crm.sms_opt_in, false) as sms_opt_in,
        coalesce(crm.sms_opt_in, false) and customers.phone is not null as sms_reachable,
        coalesce(app.app_push_enabled, false) as app_push_enabled
    from customers
    left join oa
        on oa.customer_id = customers.customer_id
    left join wecom
        on wecom.customer_id = customers.customer_id
    left join wecom_owners
        on wecom_owners.customer_id = customers.customer_id
        and wecom_owners.owner_rank = 1
    left join crm
        on crm.customer_id = customers.customer_id
    left join app
        on app.customer_id = customers.customer_id
)

select
    *,
    oa_subscribed or wecom_active_contact or sms_reachable or app_push_enabled as is_reachable
from flags
