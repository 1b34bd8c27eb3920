"""Sales of low-carbon products recorded by salespeople (§四 低碳产品): with the printed serial
the packaging code's own key (one item), else the shop's receipt line × quantity."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from tanhui.claims import factors, keys
from tanhui.codes.token import gtin14
from tanhui.imports import values as v
from tanhui.imports.records import Built, Plan, factor_at, invalid, product_by_gtin, when
from tanhui.imports.specs.base import PHONE_ALIASES, WHO, Spec, col, one_day


@dataclass(frozen=True)
class ProductSale:
    buyer: v.Who
    sku: str | None
    gtin: str | None  # GTIN-14
    serial: str | None  # 16 upper-case hex characters
    quantity: int
    sold_at: date  # a UTC datetime when the file gave a time
    salesperson: str | None
    receipt: str | None
    receipt_line: str


def parse(f: Mapping[str, Any]) -> ProductSale:
    buyer = v.who("buyer", f.get("buyer"))
    sku, gtin = v.text("sku", f.get("sku")), v.gtin("gtin", f.get("gtin"))
    if sku is None and gtin is None:
        raise v.RowInvalid(None, None, "货号和商品条码至少填一个", "sku or gtin is required")
    serial = v.serial("serial", f.get("serial"))
    quantity = v.need("quantity", v.integer("quantity", f.get("quantity"), 1, 100))
    if serial is not None and quantity != 1:
        raise v.RowInvalid(
            "quantity",
            quantity,
            "有序列号时应为 1（一个序列号是一件商品）",
            "must be 1 when a serial is given (one serial is one item)",
        )
    receipt = v.text("receipt", f.get("receipt"))
    if receipt is None and serial is None:
        raise v.RowInvalid("receipt", None, "没有序列号时不能为空", "is required when there is no serial")
    sold_at: date = v.need("sold_at", v.day_or_moment("sold_at", f.get("sold_at")))
    return ProductSale(
        buyer=buyer,
        sku=sku,
        gtin=gtin,
        serial=serial,
        quantity=quantity,
        sold_at=sold_at,
        salesperson=v.text("salesperson", f.get("salesperson")),
        receipt=receipt,
        receipt_line=v.text("receipt_line", f.get("receipt_line")) or "1",
    )


def build(plan: Plan, row: ProductSale, user_id: str) -> Built:
    asset, maker = None, None
    for ref in (row.gtin and gtin14(row.gtin), row.sku and str(row.sku).strip().upper()):
        asset = asset or (plan.ctx.products.get(ref) if ref else None)
    if asset is None and row.gtin and plan.ctx.role == "merchant":  # a shop sells others' products
        asset, maker = product_by_gtin(plan.ctx, row.gtin) or (None, None)
    if asset is None:
        column, value = ("gtin", row.gtin) if row.gtin else ("sku", row.sku)
        raise invalid(
            "asset_not_found",
            "is not one of this partner's products."
            if plan.ctx.role != "merchant"
            else "is no manufacturer's registered product (a shop's rows name it by its GTIN).",
            "不是本企业登记的产品" if plan.ctx.role != "merchant" else "没有哪家生产企业登记过这个商品条码",
            column=column,
            value=value,
        )
    occurred = when(row.sold_at)
    evidence: dict[str, Any] = {
        "sku": row.sku or "",
        "gtin": row.gtin or "",
        "quantity": row.quantity,
        "salesperson": row.salesperson or "",
    }
    if maker is not None:  # counted for the manufacturer (its totals and quota), sold by the shop
        evidence["sold_by"] = plan.ctx.partner_id
    if row.serial:
        behaviour, key, units = "low_carbon_product", keys.single_use_code(row.serial), 1
        evidence["serial"] = row.serial
    else:
        behaviour = "product_sale_record"
        key = keys.product_sale(plan.ctx.partner_id, str(row.receipt), row.receipt_line or "1")
        units = row.quantity
        evidence |= {"receipt": row.receipt, "receipt_line": row.receipt_line or "1"}
    factor = factor_at(behaviour, occurred)
    reduction = factors.units_reduction(factor, units)
    return plan.one(key, behaviour, factor, reduction, occurred, asset, user_id, evidence, partner=maker)


SPEC = Spec(
    file_type="product_sales",
    description="Sales of low-carbon products recorded by salespeople (§四 低碳产品).",
    roles=("manufacturer", "merchant"),
    behaviour="product_sale_record",
    columns=(
        col(
            "buyer", WHO, *PHONE_ALIASES, "会员手机", "会员手机号", "顾客手机", "顾客手机号", "购买人手机",
            "购买人", "买家", "顾客", "会员", "buyer", "phone", "mobile", "user_id",
        ),
        col(
            "sku", "the manufacturer's SKU; sku or gtin is required", "货号", "商品编码", "商品编号",
            "款号", "sku", "item code", required=False,
        ),
        col(
            "gtin", "GTIN-8/12/13/14 with a valid check digit (stored as GTIN-14)", "商品条码", "条形码",
            "条码", "国际条码", "gtin", "barcode", "ean", "ean13", "upc", required=False,
        ),
        col(
            "serial", "the packaging code's 16 hex serial, e.g. 0A1B-2C3D-4E5F-6071", "序列号", "包装码",
            "二维码编号", "防伪码", "serial", "serial no", required=False,
        ),
        col(
            "quantity", "whole number 1–100 (1 when a serial is given)", "数量", "销量", "销售数量",
            "购买数量", "件数", "qty", "quantity",
        ),
        col(
            "sold_at", "date, or ISO date-time (no offset: Asia/Shanghai)", "销售日期", "销售时间",
            "购买日期", "购买时间", "交易日期", "交易时间", "日期", "时间", "sale date", "date",
        ),
        col(
            "salesperson", "who recorded the sale", "销售员", "导购", "营业员", "店员", "收银员",
            "salesperson", "cashier", required=False,
        ),
        col(
            "receipt", "receipt or order number; required when there is no serial", "小票号", "单号",
            "订单号", "销售单号", "流水号", "交易流水号", "receipt", "receipt no", "order no",
            required=False,
        ),
        col(
            "receipt_line", "line on the receipt (default 1)", "行号", "小票行号", "line", "line no",
            required=False,
        ),
    ),
    row=ProductSale,
    parse=parse,
    person=lambda row: ("user" if row.buyer.kind == "user_id" else "phone", row.buyer.value),
    build=build,
    days=lambda row: one_day(row.sold_at),
    date_column="sold_at",
    identifiers=("gtin", "receipt", "serial"),
    one_of=(("sku", "gtin"),),
)
