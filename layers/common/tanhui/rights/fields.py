"""The sections of a copy of a person's data (个人信息副本) and their fields, each named in Chinese
and English: the one table the JSON's `fields`, the CSV headers, the zip's README.txt and
docs/tourists.md ("A copy of my data") say the same from (a test compares the page with it).

A CSV header cell is `<中文> <key>`: the Chinese name, one space, then the field's key, which is
its name in the JSON. A person reads the Chinese; a program takes the last word of each cell.
"""

from __future__ import annotations

from typing import NamedTuple


class Field(NamedTuple):
    key: str  # the JSON key, and the last word of the CSV header
    zh: str  # no spaces: the header's first word
    en: str  # the field's name in English words


class Section(NamedTuple):
    key: str  # the JSON key and the CSV file's name (<key>.csv)
    zh: str
    en: str
    single: bool  # one object (profile, wallet, bindings), else a list of rows
    fields: tuple[Field, ...]


def header(field: Field) -> str:
    return f"{field.zh} {field.key}"


F = Field
SECTIONS: tuple[Section, ...] = (
    Section("profile", "个人信息", "Profile", True, (
        F("user_id", "用户编号", "User id"),
        F("phone", "手机号", "Phone number"),
        F("display_name", "昵称", "Display name"),
        F("role", "角色", "Role"),
        F("created_at", "注册时间", "Registered at"),
    )),
    Section("wallet", "碳账户", "Wallet", True, (
        F("coins", "碳币余额", "Coins held"),
        F("gco2e", "减碳量克", "Reduction held (g CO2e)"),
        F("lifetime_coins", "累计获得碳币", "Coins earned in all"),
        F("lifetime_gco2e", "累计减碳量克", "Reduction in all (g CO2e)"),
        F("spent_coins", "已用碳币", "Coins spent"),
        F("expired_coins", "已过期碳币", "Coins expired"),
        F("next_expiry", "下次到期", "Next coins to expire (JSON: coins, at)"),
        F("updated_at", "更新时间", "Updated at"),
    )),
    Section("consents", "用户授权记录", "Consent records", False, (
        F("version", "授权版本", "Consent version"),
        F("accepted", "是否同意", "Accepted (false: a withdrawal)"),
        F("accepted_at", "同意时间", "Accepted at"),
        F("withdrawn_at", "撤回时间", "Withdrawn at"),
        F("channel", "渠道", "Channel"),
    )),
    Section("bindings", "绑定", "Bindings", True, (
        F("transit_card", "公交卡号", "Transit card number"),
        F("electricity_account", "电费户号", "Electricity account"),
        F("water_account", "水费户号", "Water account"),
        F("gas_account", "燃气户号", "Gas account"),
        F("sorting_card", "垃圾分类积分卡号", "Waste-sorting card number"),
        F("car_plate", "车牌号", "Car plate"),
        F("daily_km", "日常驾车公里数", "Usual daily driving (km)"),
        F("updated_at", "更新时间", "Updated at"),
    )),
    Section("ledger", "碳账本", "Ledger", False, (
        F("entry_id", "条目编号", "Entry id"),
        F("kind", "类型", "Kind (earn, spend, refund…)"),
        F("behaviour", "低碳行为", "Behaviour"),
        F("partner_id", "合作方编号", "Partner id"),
        F("partner_name", "合作方", "Partner"),
        F("asset_id", "物品编号", "Asset id"),
        F("asset_name", "物品或场所", "Asset"),
        F("coins", "碳币", "Coins (negative: taken)"),
        F("gco2e", "减碳量克", "Reduction (g CO2e)"),
        F("factor_version", "折算系数版本", "Factor version"),
        F("occurred_at", "发生时间", "Happened at"),
        F("at", "记账时间", "Recorded at"),
        F("evidence", "凭证", "Evidence (JSON)"),
    )),
    Section("vouchers", "兑换券", "Vouchers", False, (
        F("voucher_id", "兑换券编号", "Voucher id"),
        F("short", "券号", "Voucher number as printed"),
        F("offer_id", "优惠编号", "Offer id"),
        F("partner_id", "商户编号", "Merchant id"),
        F("partner_name", "商户", "Merchant"),
        F("title", "优惠", "Offer"),
        F("coins", "碳币", "Coins"),
        F("status", "状态", "Status"),
        F("valid_until", "有效期至", "Valid until"),
        F("created_at", "兑换时间", "Redeemed at"),
        F("consumed_at", "核销时间", "Used at"),
        F("refunded_at", "退回时间", "Refunded at"),
    )),
    Section("donations", "公益捐赠", "Donations", False, (
        F("donation_id", "捐赠编号", "Donation id"),
        F("project_id", "项目编号", "Project id"),
        F("project_name", "项目", "Project"),
        F("coins", "碳币", "Coins"),
        F("created_at", "捐赠时间", "Donated at"),
    )),
    Section("medals", "勋章", "Medals", False, (
        F("id", "勋章编号", "Medal id"),
        F("name_zh", "勋章", "Medal (Chinese)"),
        F("name_en", "勋章英文名", "Medal (English)"),
        F("awarded_at", "获得时间", "Awarded at"),
    )),
    Section("certificates", "减碳证书", "Certificates", False, (
        F("certificate_id", "证书编号", "Certificate id"),
        F("period", "期间", "Period"),
        F("display_name", "持有人", "Holder"),
        F("gco2e", "减碳量克", "Reduction (g CO2e)"),
        F("coins", "碳币", "Coins"),
        F("behaviours", "低碳行为次数", "Behaviours counted (JSON)"),
        F("issued_at", "签发时间", "Issued at"),
        F("check_url", "查验网址", "Public check"),
    )),
)
