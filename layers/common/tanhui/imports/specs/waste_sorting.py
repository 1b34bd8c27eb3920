"""Drops into a sorting machine with the resident's card (§一 垃圾分类回收): per item or kg of
the category, once a card, moment and category."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from tanhui import bindings
from tanhui.claims import factors, keys
from tanhui.imports import values as v
from tanhui.imports.records import Built, Plan, factor_at, invalid, when
from tanhui.imports.specs.base import Spec, bound, col, one_day
from tanhui.models.base import iso_ms

CATEGORIES = v.choices(
    {
        "plastic_bottle": ("塑料瓶", "饮料瓶", "plastic bottle"),
        "paper": ("纸", "纸张", "废纸"),
        "cardboard": ("纸板", "纸箱"),
        "kitchen_waste": ("厨余", "厨余垃圾", "餐厨垃圾", "kitchen waste"),
    }
)


@dataclass(frozen=True)
class WasteSorting:
    card: str
    time: datetime  # UTC
    category: Literal["plastic_bottle", "paper", "cardboard", "kitchen_waste"]
    quantity: int | None  # plastic_bottle
    kg: Decimal | None  # the other categories


def parse(f: Mapping[str, Any]) -> WasteSorting:
    category = v.choice("category", f.get("category"), CATEGORIES, "塑料瓶 / 纸 / 纸板 / 厨余")
    quantity = v.integer("quantity", f.get("quantity"), 1, 1000)
    kg = v.decimal("kg", f.get("kg"), 1000, above_zero=True)
    if category == "plastic_bottle" and (quantity is None or kg is not None):
        raise v.RowInvalid(
            None,
            None,
            "塑料瓶按个数计：填数量，重量留空",
            "plastic_bottle rows count items in quantity, with kg empty",
        )
    if category != "plastic_bottle" and (kg is None or quantity is not None):
        raise v.RowInvalid(
            None, None, "该类别按重量计：填重量，数量留空", f"{category} rows weigh kg, with quantity empty"
        )
    return WasteSorting(
        card=v.required("card", f.get("card")),
        time=v.need("time", v.moment("time", f.get("time"))),
        category=category,  # type: ignore[arg-type]
        quantity=quantity,
        kg=kg,
    )


def build(plan: Plan, row: WasteSorting, user_id: str) -> Built:
    behaviour, occurred = "waste_sorting", when(row.time)
    units = float(row.quantity if row.quantity is not None else row.kg)  # type: ignore[arg-type]
    factor = factor_at(behaviour, occurred)
    try:
        reduction = factors.units_reduction(factor, units, row.category)
    except factors.UnknownCategory as exc:
        raise invalid("factor_missing", exc.message, f"没有 {row.category} 的减排因子") from exc
    card = bindings.normalise("sorting_card", row.card)
    key = keys.waste_drop(card, iso_ms(occurred), row.category)
    evidence = {
        "card": card,
        "category": row.category,
        "quantity": row.quantity if row.quantity is not None else "",
        "kg": str(row.kg) if row.kg is not None else "",
    }
    return plan.one(key, behaviour, factor, reduction, occurred, None, user_id, evidence)


SPEC = Spec(
    file_type="waste_sorting",
    description="Drops into a sorting machine with the resident's card (§一 垃圾分类回收).",
    roles=("property_manager", "recycler"),
    behaviour="waste_sorting",
    columns=(
        col(
            "card", "sorting card number (垃圾积分卡号)", "积分卡号", "垃圾积分卡号", "分类卡号", "卡号",
            "card", "card no",
        ),
        col(
            "time", "ISO date-time with offset or Z, or local YYYY-MM-DD HH:MM[:SS] (Asia/Shanghai)",
            "投放时间", "时间", "日期时间", "time",
        ),
        col(
            "category", "plastic_bottle | paper | cardboard | kitchen_waste (塑料瓶 / 纸 / 纸板 / 厨余)",
            "类别", "垃圾类别", "回收类别", "垃圾类型", "品类", "category",
        ),
        col("quantity", "items 1–1000, for plastic_bottle", "数量", "个数", "件数", "quantity", "count",
            required=False),
        col(
            "kg", "kilograms 0 < kg ≤ 1000, for the other categories", "重量", "公斤", "千克", "weight",
            "kg", required=False,
        ),
    ),
    row=WasteSorting,
    parse=parse,
    person=lambda row: bound("sorting_card", row.card, "card"),
    build=build,
    days=lambda row: one_day(row.time),
    date_column="time",
    identifiers=("card",),
)
