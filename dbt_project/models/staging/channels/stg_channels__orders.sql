{{ c360.stage_shop_orders('channels__orders', extra_columns=['order_scene', 'live_id', 'finder_id']) }}
