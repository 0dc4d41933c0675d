{#-
    The customer 360 profile: one row per customer of `customers`, with the features that decide
    whom to contact, how, when and with what, as of one date (int_profiles__as_of). Every feature
    is defined in its intermediate model (models/intermediate/profiles) and documented column by
    column in customer_profiles.yml; this model joins them and derives the few that combine them
    (birthday, contact plan).
-#}
{%- set contact_channels = var('profile_contact_channels').values() | unique | list %}
{%- set contact_preference = var('profile_contact_channel_preference') %}
{%- set order_channels = var('profile_order_channels') %}
{%- set promotion_types = var('profile_promotion_types') %}
{%- set reachable_flag = {'sms': 'sms_reachable', 'wecom': 'wecom_active_contact',
                          'app_push': 'app_push_enabled', 'official_account': 'oa_subscribed'} %}

with

customers as (
    select * from {{ ref('customers') }}
),

as_of as (
    select * from {{ ref('int_profiles__as_of') }}
),

customer_orders as (
    select * from {{ ref('int_profiles__customer_orders') }}
),

preferences as (
    select * from {{ ref('int_profiles__customer_preferences') }}
),

rfm as (
    select * from {{ ref('int_profiles__rfm') }}
),

presence as (
    select * from {{ ref('int_profiles__customer_presence') }}
),

reachability as (
    select * from {{ ref('int_profiles__reachability') }}
),

contacts as (
    select * from {{ ref('int_profiles__customer_contacts') }}
),

aftersales as (
    select * from {{ ref('int_profiles__customer_aftersales') }}
),

sharing as (
    select * from {{ ref('int_profiles__customer_sharing') }}
),

category_shares as (
    select * from {{ ref('profile_category_shares') }}
),

cadence as (
    select * from {{ ref('profile_contact_cadence') }}
),

top_categories as (
    select
        customer_id,
        max(case when category_rank = 1 then category end) as top_category,
        max(case when category_rank = 1 then purchase_share end) as top_category_share,
        {{ c360.ordered_list('category', 'category_rank', 'category_rank <= ' ~ var('profile_top_categories')) }} as top_categories,
        count(*) as category_count
    from category_shares
    group by customer_id
),

birthdays as (
    select
        customers.customer_id,
        customers.birthday,
        {{ dbt.right('customers.birthday', 5) }} as birthday_month_day,
        cast(substring({{ dbt.right('customers.birthday', 5) }}, 1, 2) as {{ dbt.type_int() }}) as birth_month,
        cast({{ dbt.right('customers.birthday', 2) }} as {{ dbt.type_int() }}) as birth_day,
        cast({{ dbt.date_trunc('year', 'as_of.as_of_date') }} as date) as as_of_year_start,
        as_of.as_of_date
    from customers
    cross join as_of
    where customers.birthday is not null
),

birthday_dates as (
    select
        *,
        {{ c360.anniversary_in_year('as_of_year_start', 'birth_month', 'birth_day') }} as birthday_this_year,
        {{ c360.anniversary_in_year(c360.add_months('as_of_year_start', 12), 'birth_month', 'birth_day') }} as birthday_next_year
    from birthdays
),

care as (
    select
        customer_id,
        birthday,
        birthday_month_day,
        case when birthday_this_year >= as_of_date then birthday_this_year else birthday_next_year end as next_birthday,
        {{ c360.days_between('as_of_date',
             'case when birthday_this_year >= as_of_date then birthday_this_year else birthday_next_year end') }}
            as days_until_birthday
    from birthday_dates
),

joined as (
    select
        customers.customer_id,
        as_of.as_of_date,

        -- value
        coalesce(customer_orders.order_count, 0) as order_count,
        coalesce(customer_orders.purchase_count, 0) as purchase_count,
        coalesce(customer_orders.lifetime_paid_fen, 0) as lifetime_paid_fen,
        coalesce(customer_orders.lifetime_refunded_fen, 0) as lifetime_refunded_fen,
        coalesce(customer_orders.lifetime_net_fen, 0) as lifetime_net_fen,
        customer_orders.avg_order_value_fen,
        coalesce(customer_orders.net_spend_30d_fen, 0) as net_spend_30d_fen,
        coalesce(customer_orders.net_spend_90d_fen, 0) as net_spend_90d_fen,
        coalesce(customer_orders.net_spend_365d_fen, 0) as net_spend_365d_fen,
        customer_orders.first_order_at,
        customer_orders.last_order_at,
        {{ c360.days_between('customer_orders.last_order_date', 'as_of.as_of_date') }} as days_since_last_order,
        customer_orders.first_purchase_at,
        customer_orders.last_purchase_at,
        {{ c360.days_between('customer_orders.last_purchase_date', 'as_of.as_of_date') }} as days_since_last_purchase,

        -- RFM and churn
        rfm.recency_score,
        rfm.frequency_score,
        rfm.monetary_score,
        rfm.rfm_cell,
        coalesce(rfm.rfm_segment, 'no_purchase') as rfm_segment,
        rfm.churn_probability,
        coalesce(rfm.churn_risk, 'no_purchase') as churn_risk,

        -- channels
        preferences.preferred_channel,
        presence.channels,
        presence.channel_count,
        presence.platforms,
        {%- for channel in order_channels %}
        coalesce(customer_orders.orders_{{ channel }}, 0) as orders_{{ channel }},
        {%- endfor %}
        customer_orders.first_purchase_channel,
        customer_orders.last_purchase_channel,
        coalesce(customer_orders.purchase_channel_count, 0) as purchase_channel_count,
        coalesce(customer_orders.moved_channels, false) as moved_channels,
        coalesce(customer_orders.first_purchase_in_live, false) as first_purchase_in_live,
        coalesce(customer_orders.live_to_miniprogram, false) as live_to_miniprogram,
        presence.device_count,
        presence.shares_device,

        -- time
        preferences.preferred_order_hour,
        preferences.preferred_order_weekday,

        -- products
        top_categories.top_category,
        top_categories.top_category_share,
        top_categories.top_categories,
        coalesce(top_categories.category_count, 0) as category_count,

        -- promotions
        {%- for promotion in promotion_types %}
        customer_orders.promo_share_{{ promotion }},
        {%- endfor %}
        customer_orders.promotion_share,
        preferences.preferred_promotion_type,

        -- after-sales
        coalesce(aftersales.aftersale_count, 0) as aftersale_count,
        coalesce(aftersales.open_aftersale_count, 0) as open_aftersale_count,
        coalesce(customer_orders.refunded_purchase_count, 0) as refunded_purchase_count,
        customer_orders.refund_rate,
        aftersales.last_aftersale_at,
        aftersales.last_aftersale_type,
        aftersales.last_aftersale_status,
        aftersales.last_aftersale_outcome,

        -- reachability and contact
        reachability.oa_subscribed,
        reachability.wecom_active_contact,
        reachability.wecom_active_relationships,
        reachability.wecom_owner_userid,
        reachability.wecom_owner_name,
        reachability.sms_opt_in,
        reachability.sms_reachable,
        reachability.app_push_enabled,
        reachability.is_reachable,
        contacts.last_contact_at,
        {{ c360.days_between(c360.local_date('contacts.last_contact_at'), 'as_of.as_of_date') }} as days_since_last_contact,
        coalesce(contacts.contacts_30d, 0) as contacts_30d,
        coalesce(contacts.messages_total, 0) as messages_total,
        {%- for channel in contact_channels %}
        coalesce(contacts.{{ channel }}_messages, 0) as {{ channel }}_messages,
        contacts.{{ channel }}_open_rate,
        contacts.{{ channel }}_click_rate,
        {%- endfor %}
        contacts.best_response_channel,
        case
            {%- for channel in contact_channels %}
            when contacts.best_response_channel = '{{ channel }}' and reachability.{{ reachable_flag[channel] }} then '{{ channel }}'
            {%- endfor %}
            {%- for channel in contact_preference %}
            when reachability.{{ reachable_flag[channel] }} then '{{ channel }}'
            {%- endfor %}
        end as recommended_contact_channel,
        cadence.cadence_days as contact_cadence_days,
        case
            when not reachability.is_reachable or cadence.cadence_days is null then null
            when contacts.last_contact_at is null then as_of.as_of_date
            when {{ c360.add_days(c360.local_date('contacts.last_contact_at'), 'cadence.cadence_days') }} < as_of.as_of_date then as_of.as_of_date
            else {{ c360.add_days(c360.local_date('contacts.last_contact_at'), 'cadence.cadence_days') }}
        end as next_contact_date,

        -- care
        care.birthday,
        care.birthday_month_day,
        care.next_birthday,
        care.days_until_birthday,

        -- sharing
        sharing.customer_id is not null as is_sharer,
        coalesce(sharing.sharer_referred_order_count, 0) as sharer_referred_order_count,
        coalesce(sharing.sharer_referred_sales_fen, 0) as sharer_referred_sales_fen,
        sharing.sharer_top_percent,
        customer_orders.first_purchase_sharer_id,
        coalesce(customer_orders.purchases_via_sharer, 0) as purchases_via_sharer
    from customers
    cross join as_of
    left join customer_orders
        on customer_orders.customer_id = customers.customer_id
    left join preferences
        on preferences.customer_id = customers.customer_id
    left join rfm
        on rfm.customer_id = customers.customer_id
    left join presence
        on presence.customer_id = customers.customer_id
    left join reachability
        on reachability.customer_id = customers.customer_id
    left join contacts
        on contacts.customer_id = customers.customer_id
    left join aftersales
        on aftersales.customer_id = customers.customer_id
    left join sharing
        on sharing.customer_id = customers.customer_id
    left join top_categories
        on top_categories.customer_id = customers.customer_id
    left join care
        on care.customer_id = customers.customer_id
    left join cadence
        on cadence.rfm_segment = coalesce(rfm.rfm_segment, 'no_purchase')
)

select * from joined
