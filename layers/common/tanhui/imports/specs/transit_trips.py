"""Monthly trips on pilot public transport per transit card (§二 公交出行): trips above the
factor's baseline, once a card and month."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tanhui import bindings
from tanhui.claims import factors, keys
from tanhui.imports import values as v
from tanhui.imports.credit import NO_REDUCTION
from tanhui.imports.records import Built, Plan, Rejected, at_local, factor_at, month_start
from tanhui.imports.specs.base import MONTH, Spec, bound, col, month_days


@dataclass(frozen=True)
class TransitTrips:
    card: str
    month: str  # YYYY-MM
    trips: int


def parse(f: Mapping[str, Any]) -> TransitTrips:
    return TransitTrips(
        card=v.required("card", f.get("card")),
        month=v.month("month", f.get("month")),
        trips=v.need("trips", v.integer("trips", f.get("trips"), 0, 500)),
    )


def build(plan: Plan, row: TransitTrips, user_id: str) -> Built:
    behaviour, occurred = "transit_trip", at_local(month_start(row.month))
    factor = factor_at(behaviour, occurred)
    baseline = int(factor.baseline_units if factor.baseline_units is not None else 16)
    above = row.trips - baseline
    if above <= 0:
        raise Rejected(
            NO_REDUCTION,
            "below_baseline",
            f"is not above the baseline of {baseline} trips a month.",
            f"次未超过每月 {baseline} 次的基准，没有减排",
            column="trips",
            value=row.trips,
        )
    card = bindings.normalise("transit_card", row.card)
    key = keys.transit_month(card, row.month)
    evidence = {"card": card, "month": row.month, "trips": row.trips, "baseline": baseline}
    reduction = factors.units_reduction(factor, above)
    return plan.one(key, behaviour, factor, reduction, occurred, None, user_id, evidence)


SPEC = Spec(
    file_type="transit_trips",
    description="Monthly trips on pilot public transport per transit card (§二 公交出行).",
    roles=("transport_operator",),
    behaviour="transit_trip",
    columns=(
        col(
            "card", "transit card number as printed", "公交卡号", "交通卡号", "卡号", "羊城通卡号",
            "岭南通卡号", "交通联合卡号", "卡面号", "card", "card no", "card number",
        ),
        col("month", MONTH, "月份", "统计月份", "年月", "统计期间", "month"),
        col(
            "trips", "whole number 0–500", "出行次数", "乘车次数", "乘坐次数", "刷卡次数", "次数", "乘次",
            "trips", "rides",
        ),
    ),
    row=TransitTrips,
    parse=parse,
    person=lambda row: bound("transit_card", row.card, "card"),
    build=build,
    days=lambda row: month_days(row.month),
    date_column="month",
    identifiers=("card",),
)
