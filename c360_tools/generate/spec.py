"""The export contract's entities as the generator needs them: columns, aliases, keys, required flags.

A copy of the contract's ``exports.yaml`` reduced to what writing files needs. ``role`` says how a value
is dressed when it is written (Excel id markers, phone and email variants, per-file vocabularies); the
contract ``type`` says what a loader must be able to parse.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Col:
    name: str
    type: str  # contract type: str, int, bool01, ts, date, fen, yuan, enum, list
    zh: str
    required: bool = False
    role: str = ""  # id, phone, email, birthday, gender_text, bool_text, tagids
    values: tuple[str, ...] = ()  # an enum's allowed values


@dataclass(frozen=True)
class Entity:
    channel: str
    name: str
    key: tuple[str, ...]
    cols: tuple[Col, ...]

    @property
    def folder(self) -> str:
        return f"{self.channel}/{self.name}"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.cols)

    def col(self, name: str) -> Col:
        return next(c for c in self.cols if c.name == name)

    @property
    def update_col(self) -> str:
        for name in ("update_time", "updated_at", "sent_at"):
            if name in self.names:
                return name
        raise KeyError(self.folder)

    def of_type(self, *types: str) -> tuple[Col, ...]:
        return tuple(c for c in self.cols if c.type in types)


def _c(name: str, type_: str, zh: str, required: bool = False, role: str = "") -> Col:
    return Col(name, type_, zh, required, role)


def _enum(name: str, zh: str, values: str, required: bool = False) -> Col:
    return Col(name, "enum", zh, required, values=tuple(values.split()))


_GENDER = "0 1 2"
_AFTERSALE_STATUSES = (
    "USER_CANCELD MERCHANT_PROCESSING MERCHANT_REJECT_REFUND MERCHANT_REJECT_RETURN USER_WAIT_RETURN RETURN_CLOSED "
    "MERCHANT_WAIT_RECEIPT MERCHANT_OVERDUE_REFUND MERCHANT_REFUND_SUCCESS MERCHANT_RETURN_SUCCESS PLATFORM_REFUNDING "
    "PLATFORM_REFUND_FAIL USER_WAIT_CONFIRM MERCHANT_REFUND_RETRY_FAIL MERCHANT_FAIL")
_OA_SCENES = (
    "ADD_SCENE_SEARCH ADD_SCENE_ACCOUNT_MIGRATION ADD_SCENE_PROFILE_CARD ADD_SCENE_QR_CODE ADD_SCENE_PROFILE_LINK "
    "ADD_SCENE_PROFILE_ITEM ADD_SCENE_PAID ADD_SCENE_WECHAT_ADVERTISEMENT ADD_SCENE_REPRINT ADD_SCENE_LIVESTREAM "
    "ADD_SCENE_CHANNELS ADD_SCENE_OTHERS")


_SHOP_ORDER = (
    _c("order_id", "str", "订单号", True, "id"),
    _c("line_no", "int", "商品行号", True),
    _c("create_time", "ts", "下单时间", True),
    _c("pay_time", "ts", "支付时间"),
    _c("update_time", "ts", "更新时间", True),
    _enum("status", "订单状态", "10 20 21 30 100 190 200 250", True),
    _c("buyer_openid", "str", "买家openid", True, "id"),
    _c("buyer_unionid", "str", "买家unionid", False, "id"),
    _c("product_id", "str", "商品ID", True),
    _c("sku_id", "str", "SKU ID"),
    _c("product_title", "str", "商品名称"),
    _c("category", "str", "商品类目"),
    _c("quantity", "int", "数量", True),
    _c("unit_price_fen", "fen", "单价(分)", True),
    _c("paid_amount_fen", "fen", "实付金额(分)", True),
    _c("discount_fen", "fen", "优惠金额(分)"),
    _c("freight_fen", "fen", "运费(分)"),
    _enum("promotion_type", "营销类型", "none coupon member_price group_buy bargain flash_sale live_exclusive"),
    _c("coupon_id", "str", "优惠券ID"),
    _c("is_present", "bool01", "礼物订单"),
    _c("receiver_name", "str", "收货人"),
    _c("receiver_phone", "str", "收货人手机", False, "phone"),
    _c("province", "str", "省份"),
    _c("city", "str", "城市"),
    _c("district", "str", "区县"),
    _c("address", "str", "详细地址"),
    _c("sharer_openid", "str", "分享员openid"),
    _c("sharer_unionid", "str", "分享员unionid"),
    _enum("share_scene", "分享场景", "1 2 3 4 5"),
    _c("commission_fen", "fen", "佣金(分)"),
)

_SHOP_AFTERSALE = (
    _c("aftersale_id", "str", "售后单号", True, "id"),
    _c("order_id", "str", "订单号", True, "id"),
    _c("line_no", "int", "商品行号"),
    _enum("type", "售后类型", "REFUND RETURN", True),
    _enum("status", "售后状态", _AFTERSALE_STATUSES, True),
    _c("refund_amount_fen", "fen", "退款金额(分)", True),
    _c("reason", "str", "售后原因"),
    _c("create_time", "ts", "申请时间", True),
    _c("update_time", "ts", "更新时间", True),
)

MP_USERS = Entity("miniprogram", "users", ("openid",), (
    _c("openid", "str", "openid", True, "id"),
    _c("unionid", "str", "unionid", False, "id"),
    _c("phone", "str", "手机号", False, "phone"),
    _c("nickname", "str", "昵称"),
    _enum("gender", "性别", _GENDER),
    _c("register_time", "ts", "注册时间", True),
    _c("update_time", "ts", "更新时间", True),
))
MP_ORDERS = Entity("miniprogram", "orders", ("order_id", "line_no"), _SHOP_ORDER)
MP_AFTERSALES = Entity("miniprogram", "aftersales", ("aftersale_id",), _SHOP_AFTERSALE)
MP_SHARERS = Entity("miniprogram", "sharers", ("sharer_openid",), (
    _c("sharer_openid", "str", "分享员openid", True, "id"),
    _c("sharer_unionid", "str", "分享员unionid", False, "id"),
    _c("nickname", "str", "昵称"),
    _enum("sharer_type", "分享员类型", "0 1"),
    _c("store_id", "str", "所属门店ID"),
    _c("store_name", "str", "所属门店"),
    _c("bind_time", "ts", "绑定时间", True),
    _c("unbind_time", "ts", "解绑时间"),
    _c("update_time", "ts", "更新时间", True),
))
CH_ORDERS = Entity("channels", "orders", ("order_id", "line_no"), _SHOP_ORDER + (
    _enum("order_scene", "下单场景", "1 2 3 4 5 6"),
    _c("live_id", "str", "直播ID"),
    _c("finder_id", "str", "视频号ID"),
))
CH_AFTERSALES = Entity("channels", "aftersales", ("aftersale_id",), _SHOP_AFTERSALE)
WECOM_CONTACTS = Entity("wecom", "contacts", ("external_userid", "follow_userid"), (
    _c("external_userid", "str", "外部联系人ID", True, "id"),
    _c("unionid", "str", "unionid", False, "id"),
    _c("name", "str", "客户名称"),
    _enum("type", "客户类型", "1 2"),
    _enum("gender", "性别", _GENDER),
    _c("follow_userid", "str", "添加人账号", True),
    _c("follow_user_name", "str", "添加人"),
    _c("remark", "str", "备注名"),
    _c("remark_mobiles", "list", "备注手机号"),
    _c("description", "str", "描述"),
    _c("add_time", "ts", "添加时间", True),
    _c("add_way", "int", "添加渠道"),
    _c("state", "str", "渠道参数"),
    _c("tags", "list", "标签"),
    _c("deleted", "bool01", "已流失"),
    _c("update_time", "ts", "更新时间", True),
))
OA_FOLLOWERS = Entity("official_account", "followers", ("openid",), (
    _c("openid", "str", "openid", True, "id"),
    _c("unionid", "str", "unionid", False, "id"),
    _c("subscribe", "bool01", "是否关注", True),
    _c("subscribe_time", "ts", "关注时间"),
    _c("unsubscribe_time", "ts", "取关时间"),
    _enum("subscribe_scene", "关注来源", _OA_SCENES),
    _c("qr_scene_str", "str", "二维码场景"),
    _c("tagid_list", "list", "标签ID", False, "tagids"),
    _c("remark", "str", "备注"),
    _c("update_time", "ts", "更新时间", True),
))
APP_USERS = Entity("app", "users", ("user_id",), (
    _c("user_id", "str", "用户ID", True, "id"),
    _c("phone", "str", "手机号", False, "phone"),
    _c("email", "str", "邮箱", False, "email"),
    _c("nickname", "str", "昵称"),
    _c("birthday", "date", "生日", False, "birthday"),
    _enum("gender", "性别", _GENDER),
    _c("device_ids", "list", "设备ID"),
    _c("register_time", "ts", "注册时间", True),
    _c("last_login_time", "ts", "最近登录"),
    _c("push_enabled", "bool01", "推送开启"),
    _c("update_time", "ts", "更新时间", True),
))
APP_ORDERS = Entity("app", "orders", ("order_id",), (
    _c("order_id", "str", "订单号", True, "id"),
    _c("user_id", "str", "用户ID", True, "id"),
    _c("create_time", "ts", "下单时间", True),
    _c("update_time", "ts", "更新时间", True),
    _enum("status", "订单状态", "created paid shipped completed cancelled refunded", True),
    _c("total_yuan", "yuan", "实付金额", True),
    _c("items", "int", "商品件数"),
    _c("category", "str", "主类目"),
    _c("coupon_code", "str", "优惠码"),
    _c("device_id", "str", "设备ID"),
))
WEB_CUSTOMERS = Entity("web", "customers", ("customer_id",), (
    _c("customer_id", "str", "客户ID", True, "id"),
    _c("email", "str", "邮箱", False, "email"),
    _c("phone", "str", "手机号", False, "phone"),
    _c("name", "str", "姓名"),
    _c("created_at", "ts", "注册时间", True),
    _c("updated_at", "ts", "更新时间", True),
))
WEB_ORDERS = Entity("web", "orders", ("order_id",), (
    _c("order_id", "str", "订单号", True, "id"),
    _c("customer_id", "str", "客户ID", False, "id"),
    _c("guest_email", "str", "游客邮箱", False, "email"),
    _c("guest_phone", "str", "游客手机", False, "phone"),
    _c("created_at", "ts", "下单时间", True),
    _c("updated_at", "ts", "更新时间", True),
    _enum("status", "订单状态", "pending paid fulfilled cancelled refunded partially_refunded", True),
    _c("total_yuan", "yuan", "订单金额", True),
    _c("refunded_yuan", "yuan", "退款金额"),
    _enum("currency", "币种", "CNY"),
    _c("items", "int", "商品件数"),
    _c("category", "str", "主类目"),
    _c("coupon_code", "str", "优惠码"),
))
CRM_MEMBERS = Entity("crm", "members", ("member_id",), (
    _c("member_id", "str", "会员号", True, "id"),
    _c("name", "str", "姓名"),
    _c("phone", "str", "手机号", False, "phone"),
    _c("birthday", "date", "生日", False, "birthday"),
    _c("gender", "str", "性别", False, "gender_text"),
    _c("store_id", "str", "开卡门店"),
    _c("level", "str", "会员等级"),
    _c("points", "int", "积分"),
    _c("sms_opt_in", "bool01", "短信订阅", False, "bool_text"),
    _c("join_date", "date", "入会日期", True),
    _c("update_time", "ts", "更新时间", True),
))
TOUCHPOINTS = Entity("touchpoints", "messages", ("message_id",), (
    _c("message_id", "str", "消息ID", True),
    _enum("channel", "触达渠道", "sms wecom_private wecom_group app_push oa_template oa_article", True),
    _enum("recipient_type", "接收方类型", "phone external_userid oa_openid app_user_id member_id", True),
    _c("recipient_id", "str", "接收方", True),
    _c("campaign_id", "str", "活动ID"),
    _c("sent_at", "ts", "发送时间", True),
    _enum("status", "发送状态", "sent delivered failed"),
    _c("opened_at", "ts", "打开时间"),
    _c("clicked_at", "ts", "点击时间"),
))

ENTITIES: tuple[Entity, ...] = (
    MP_USERS, MP_ORDERS, MP_AFTERSALES, MP_SHARERS, CH_ORDERS, CH_AFTERSALES, WECOM_CONTACTS,
    OA_FOLLOWERS, APP_USERS, APP_ORDERS, WEB_CUSTOMERS, WEB_ORDERS, CRM_MEMBERS, TOUCHPOINTS,
)
