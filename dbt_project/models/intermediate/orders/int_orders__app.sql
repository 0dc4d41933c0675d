{#-
    App orders in their latest state: paid = total_yuan in fen (0 when never paid); a refunded order
    refunded everything.
-#}
with

app_orders as (
    select * from {{ ref('stg_app__orders') }}
),

status_map as (
    select * from {{ ref('order_status_map') }}
    where channel_family = 'app'
),

mapped as (
    select
        app_orders.*,
        status_map.status as mapped_status,
        cast(round(app_orders.total_yuan * 100) as {{ dbt.type_bigint() }}) as total_fen
    from app_orders
    left join status_map
        on status_map.source_status = app_orders.status
),

priced as (
    select
        *,
        case when mapped_status in ('pending_payment', 'cancelled') then 0 else coalesce(total_fen, 0) end as paid_amount_fen
    from mapped
)

select
    {{ dbt.concat(["'app:'", 'order_id']) }} as order_key,
    'app' as channel,
    order_id,
    user_id,
    status as source_status,
    mapped_status as status,
    create_time as created_at,
    update_time as updated_at,
    paid_amount_fen,
    case when mapped_status = 'refunded' then paid_amount_fen else 0 end as refunded_amount_fen,
    coupon_code,
    device_id
from priced
