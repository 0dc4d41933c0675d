{{ c360.stage_shop_aftersales('miniprogram__aftersales') }}
