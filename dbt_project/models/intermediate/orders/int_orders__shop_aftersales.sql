{#-
    After-sales of both shops, with whether money went back (MERCHANT_REFUND_SUCCESS or
    MERCHANT_RETURN_SUCCESS, whatever the type) and which lines they cover (no line_no: every line).
-#}
with

miniprogram_aftersales as (
    select * from {{ ref('stg_miniprogram__aftersales') }}
),

channels_aftersales as (
    select * from {{ ref('stg_channels__aftersales') }}
),

unioned as (
    select 'miniprogram' as channel, aftersale_id, order_id, line_no, type, status, refund_amount_fen, create_time, update_time
    from miniprogram_aftersales
    union all
    select 'channels' as channel, aftersale_id, order_id, line_no, type, status, refund_amount_fen, create_time, update_time
    from channels_aftersales
)

select
    {{ dbt.concat(['channel', "':'", 'order_id']) }} as order_key,
    channel,
    aftersale_id,
    order_id,
    line_no,
    line_no is null as covers_whole_order,
    type,
    status,
    coalesce(refund_amount_fen, 0) as refund_amount_fen,
    status in ('MERCHANT_REFUND_SUCCESS', 'MERCHANT_RETURN_SUCCESS') as is_refund_success,
    create_time,
    update_time
from unioned
