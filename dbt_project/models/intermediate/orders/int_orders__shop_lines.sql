{#- The order lines of both WeChat shops (mini program store and Channels shop), in one shape. -#}
with

miniprogram_lines as (
    select * from {{ ref('stg_miniprogram__orders') }}
),

channels_lines as (
    select * from {{ ref('stg_channels__orders') }}
),

{%- set line_columns = [
    'order_id', 'line_no', 'create_time', 'pay_time', 'update_time', 'status', 'buyer_openid', 'buyer_unionid',
    'quantity', 'paid_amount_fen', 'freight_fen', 'promotion_type', 'is_present',
    'sharer_openid', 'sharer_unionid', 'commission_fen', '_file_date', '_row_number'] %}

unioned as (
    select 'miniprogram' as channel, {{ line_columns | join(', ') }} from miniprogram_lines
    union all
    select 'channels' as channel, {{ line_columns | join(', ') }} from channels_lines
)

select
    {{ dbt.concat(['channel', "':'", 'order_id']) }} as order_key,
    *
from unioned
