{{ c360.stage_shop_aftersales('channels__aftersales') }}
