"""Electricity, water or gas use against the usage standard per account (§一 节水节电节气): the
saving below the standard, once an account and period."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from tanhui import bindings
from tanhui.claims import factors, keys
from tanhui.imports import values as v
from tanhui.imports.credit import NO_REDUCTION
from tanhui.imports.records import Built, Plan, Rejected, at_local, factor_at, invalid, month_start
from tanhui.imports.specs.base import MONTH, Spec, bound, col, month_days

UTILITIES = v.choices(
    {
        "electricity": ("电", "电力", "用电", "电费", "power"),
        "water": ("水", "用水", "自来水", "水费"),
        "gas": ("燃气", "气", "天然气", "用气", "煤气"),
    }
)


@dataclass(frozen=True)
class UtilitySaving:
    account: str
    utility: Literal["electricity", "water", "gas"]
    period: str  # YYYY-MM
    usage: Decimal
    standard: Decimal


def parse(f: Mapping[str, Any]) -> UtilitySaving:
    return UtilitySaving(
        account=v.required("account", f.get("account")),
        utility=v.choice("utility", f.get("utility"), UTILITIES, "电 / 水 / 燃气"),  # type: ignore[arg-type]
        period=v.month("period", f.get("period")),
        usage=v.need("usage", v.decimal("usage", f.get("usage"), 1_000_000)),
        standard=v.need("standard", v.decimal("standard", f.get("standard"), 1_000_000)),
    )


def build(plan: Plan, row: UtilitySaving, user_id: str) -> Built:
    behaviour, occurred = "utility_saving", at_local(month_start(row.period))
    saved = float(row.standard) - float(row.usage)
    if saved <= 0:
        raise Rejected(
            NO_REDUCTION,
            "no_saving",
            "is not below the standard.",
            "未低于用量标准，没有减排",
            column="usage",
            value=row.usage,
        )
    factor = factor_at(behaviour, occurred)
    try:
        reduction = factors.units_reduction(factor, saved, row.utility)
    except factors.UnknownCategory as exc:
        raise invalid("factor_missing", exc.message, f"没有 {row.utility} 的减排因子") from exc
    account = bindings.normalise(f"{row.utility}_account", row.account)
    key = keys.utility_period(row.utility, account, row.period)
    evidence = {
        "account": account,
        "utility": row.utility,
        "period": row.period,
        "usage": str(row.usage),
        "standard": str(row.standard),
    }
    return plan.one(key, behaviour, factor, reduction, occurred, None, user_id, evidence)


SPEC = Spec(
    file_type="utility_savings",
    description="Electricity, water or gas use against the usage standard per account (§一 节水节电节气).",
    roles=("utility",),
    behaviour="utility_saving",
    columns=(
        col(
            "account", "utility account number (户号) as on the bill", "户号", "用户号", "账户号",
            "用户编号", "客户编号", "缴费户号", "account", "account no",
        ),
        col(
            "utility", "electricity | water | gas (电 / 水 / 燃气)", "类型", "能源类型", "用能类型",
            "费用类型", "类别", "utility", "type",
        ),
        col("period", MONTH, "账期", "月份", "计费月份", "抄表月份", "周期", "年月", "period", "month"),
        col("usage", "actual use, decimal 0–1,000,000", "用量", "实际用量", "本期用量", "使用量", "usage"),
        col(
            "standard", "usage standard, decimal 0–1,000,000", "用量标准", "标准用量", "基准用量", "定额",
            "标准", "standard",
        ),
    ),
    row=UtilitySaving,
    parse=parse,
    person=lambda row: bound(f"{row.utility}_account", row.account, "account"),
    build=build,
    days=lambda row: month_days(row.period),
    date_column="period",
    identifiers=("account",),
)
