{#-
    Every order of the four order channels in one shape, with the source record of its buyer
    (the record whose customer the order belongs to) and the sharer it names, if any:
    mini program orders name a sharer by sharer_openid (mini program namespace), Channels orders by
    sharer_unionid (their sharer_openid is in the Channels namespace).
-#}
with

shop_orders as (
    select * from {{ ref('int_orders__shop') }}
),

app_orders as (
    select * from {{ ref('int_orders__app') }}
),

web_orders as (
    select * from {{ ref('int_orders__web') }}
),

sharers as (
    select * from {{ ref('stg_miniprogram__sharers') }}
),

sharers_by_unionid as (
    select sharer_unionid, min(sharer_openid) as sharer_openid
    from sharers
    where sharer_unionid is not null
    group by sharer_unionid
),

shop as (
    select
        shop_orders.order_key,
        shop_orders.channel,
        shop_orders.order_id,
        {{ dbt.concat(['shop_orders.channel', "'.buyers|'", 'shop_orders.buyer_openid']) }} as buyer_record_key,
        shop_orders.created_at,
        shop_orders.updated_at,
        shop_orders.source_status,
        shop_orders.status,
        shop_orders.paid_amount_fen,
        shop_orders.refunded_amount_fen,
        shop_orders.promotion_type,
        case
            when shop_orders.channel = 'miniprogram' then mp_sharer.sharer_openid
            else channels_sharer.sharer_openid
        end as sharer_id,
        case
            when shop_orders.channel = 'miniprogram' then shop_orders.sharer_openid
            else shop_orders.sharer_unionid
        end as sharer_reference
    from shop_orders
    left join sharers as mp_sharer
        on shop_orders.channel = 'miniprogram'
        and mp_sharer.sharer_openid = shop_orders.sharer_openid
    left join sharers_by_unionid as channels_sharer
        on shop_orders.channel = 'channels'
        and channels_sharer.sharer_unionid = shop_orders.sharer_unionid
),

app as (
    select
        order_key,
        channel,
        order_id,
        {{ dbt.concat(["'app.users|'", 'user_id']) }} as buyer_record_key,
        created_at,
        updated_at,
        source_status,
        status,
        paid_amount_fen,
        refunded_amount_fen,
        cast(null as {{ dbt.type_string() }}) as promotion_type,
        cast(null as {{ dbt.type_string() }}) as sharer_id,
        cast(null as {{ dbt.type_string() }}) as sharer_reference
    from app_orders
),

web as (
    select
        order_key,
        channel,
        order_id,
        case
            when is_guest_checkout then {{ dbt.concat(["'web.guests|'", 'order_id']) }}
            else {{ dbt.concat(["'web.customers|'", 'web_customer_id']) }}
        end as buyer_record_key,
        created_at,
        updated_at,
        source_status,
        status,
        paid_amount_fen,
        refunded_amount_fen,
        cast(null as {{ dbt.type_string() }}) as promotion_type,
        cast(null as {{ dbt.type_string() }}) as sharer_id,
        cast(null as {{ dbt.type_string() }}) as sharer_reference
    from web_orders
),

unioned as (
    select * from shop
    union all
    select * from app
    union all
    select * from web
)

select
    unioned.*,
    unioned.paid_amount_fen - unioned.refunded_amount_fen as net_amount_fen
from unioned
