"""Days a car left the estate, from the property manager's gate records (§一 减少私家车出行):
(last month's days − this month's) × the resident's daily km, once a plate and month."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tanhui import bindings
from tanhui.claims import factors, keys
from tanhui.imports import values as v
from tanhui.imports.credit import NO_REDUCTION, PENDING
from tanhui.imports.records import Built, Context, Plan, Rejected, at_local, factor_at, month_start
from tanhui.imports.specs.base import MONTH, Spec, bound, col, days_in, month_days, previous_month
from tanhui.models.imports import CarMonth


@dataclass(frozen=True)
class CarTrips:
    plate: str
    month: str  # YYYY-MM
    days_out: int
    days_out_previous: int | None


def parse(f: Mapping[str, Any]) -> CarTrips:
    month = v.month("month", f.get("month"))
    return CarTrips(
        plate=v.required("plate", f.get("plate")),
        month=month,
        days_out=v.need("days_out", v.integer("days_out", f.get("days_out"), 0, days_in(month))),
        days_out_previous=v.integer(
            "days_out_previous", f.get("days_out_previous"), 0, days_in(previous_month(month))
        ),
    )


def build(plan: Plan, row: CarTrips, user_id: str) -> Built:
    behaviour, occurred = "car_free_day", at_local(month_start(row.month))
    plate = bindings.normalise("car_plate", row.plate)
    previous = row.days_out_previous
    if previous is None:
        previous = CarMonth.days_out_in(plate, previous_month(row.month))
    if previous is None:
        raise Rejected(
            NO_REDUCTION,
            "no_previous_month",
            "No days-out figure for the previous month (send days_out_previous).",
            "没有上月出行日数（请填“上月出行日数”列）",
        )
    fewer = int(previous) - row.days_out
    if fewer <= 0:
        raise Rejected(
            NO_REDUCTION,
            "no_fewer_days",
            f"is not fewer than the {int(previous)} days of the month before.",
            f"天不少于上月的 {int(previous)} 天，没有减排",
            column="days_out",
            value=row.days_out,
        )
    km = bindings.daily_km(user_id)
    if not km:
        raise Rejected(
            PENDING,
            "daily_km_missing",
            "The resident has not stated a daily km yet (PUT /v1/me/bindings).",
            "车主还没有填写日均行驶里程，填写后自动补发",
        )
    factor = factor_at(behaviour, occurred)
    reduction = factors.car_free_reduction(factor, fewer, float(km))
    key = keys.car_month(plate, row.month)
    evidence = {
        "plate": plate,
        "month": row.month,
        "days_out": row.days_out,
        "days_out_previous": int(previous),
        "daily_km": str(km),
    }
    return plan.one(key, behaviour, factor, reduction, occurred, None, user_id, evidence)


def observe(row: CarTrips, ctx: Context) -> None:
    """A plate's days out this month: what next month's row compares with, whoever it is."""
    CarMonth.remember(bindings.normalise("car_plate", row.plate), row.month, row.days_out, ctx.partner_id)


SPEC = Spec(
    file_type="car_trips",
    description="Days a car left the estate, from the property manager's gate records (§一 减少私家车出行).",
    roles=("property_manager",),
    behaviour="car_free_day",
    columns=(
        col("plate", "car plate as written", "车牌号", "车牌", "车牌号码", "车辆号牌", "plate", "car plate"),
        col("month", MONTH, "月份", "统计月份", "年月", "month"),
        col(
            "days_out", "days out that month, 0 to its length", "出行日数", "出行天数", "本月出行日数",
            "本月出行天数", "出场天数", "days out",
        ),
        col(
            "days_out_previous", "days out the month before, 0 to its length", "上月出行日数",
            "上月出行天数", "上月出场天数", "previous days out", required=False,
        ),
    ),
    row=CarTrips,
    parse=parse,
    person=lambda row: bound("car_plate", row.plate, "plate"),
    build=build,
    days=lambda row: month_days(row.month),
    date_column="month",
    observe=observe,
)
