{{ c360.stage_shop_orders('miniprogram__orders') }}
