"""Low-carbon nights in a hotel's eco rooms near a scenic spot (§三 低碳住宿): one row a stay,
one record a night at the scan's own key (user, night)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from tanhui.claims import factors, keys
from tanhui.imports import values as v
from tanhui.imports.records import Built, Plan, at_local, factor_at, invalid
from tanhui.imports.specs.base import DATE, PHONE_ALIASES, WHO, Spec, col


@dataclass(frozen=True)
class HotelStay:
    guest: v.Who
    room: str
    check_in: date
    nights: int


def parse(f: Mapping[str, Any]) -> HotelStay:
    guest = v.who("guest", f.get("guest"))
    room = v.required("room", f.get("room"))
    check_in = v.need("check_in", v.day("check_in", f.get("check_in")))
    nights = v.integer("nights", f.get("nights"), 1, 31)
    check_out = v.day("check_out", f.get("check_out"))
    if check_out is not None:
        counted = (check_out - check_in).days
        if not 1 <= counted <= 31:
            raise v.RowInvalid(
                "check_out",
                f.get("check_out"),
                f"与入住日期相差 {counted} 晚：应为 1 到 31 晚",
                f"is {counted} nights after the check-in: 1 to 31 nights are accepted",
            )
        if nights is not None and nights != counted:
            raise v.RowInvalid(
                "nights",
                f.get("nights"),
                f"与入住、离店日期算出的 {counted} 晚不一致",
                f"does not match the {counted} nights between check-in and check-out",
            )
        nights = counted
    if nights is None:
        raise v.RowInvalid(None, None, "晚数和离店日期至少填一个", "nights or check_out is required")
    return HotelStay(guest=guest, room=room, check_in=check_in, nights=nights)


def build(plan: Plan, row: HotelStay, user_id: str) -> Built:
    room = plan.ctx.rooms.get(str(row.room).strip().upper())
    if room is None:
        raise invalid(
            "asset_not_found",
            "is not one of this hotel's rooms.",
            "不是本酒店登记的房间",
            column="room",
            value=row.room,
        )
    behaviour = "hotel_low_carbon_night"
    records = []
    for n in range(row.nights):
        night = row.check_in + timedelta(days=n)
        occurred = at_local(night, 20)
        factor = factor_at(behaviour, occurred)
        coins, gco2e = factors.units_reduction(factor, 1)
        records.append(
            plan.record(
                keys.hotel_night(user_id, night.isoformat()),
                behaviour,
                factor,
                coins,
                gco2e,
                occurred,
                room,
                user_id,
                {"night": night.isoformat(), "room": row.room},
            )
        )
    return behaviour, records, factor_at(behaviour, at_local(row.check_in))


SPEC = Spec(
    file_type="hotel_stays",
    description="Low-carbon nights in a hotel's eco rooms near a scenic spot (§三 低碳住宿).",
    roles=("hotel",),
    behaviour="hotel_low_carbon_night",
    columns=(
        col(
            "guest", WHO, *PHONE_ALIASES, "客人手机", "客人手机号", "住客手机", "住客手机号", "宾客手机",
            "入住人手机", "住客", "客人", "guest", "phone", "mobile", "guest phone", "user_id",
        ),
        col(
            "room", "room number or asset id as written", "房号", "房间号", "房间", "房间编号", "客房号",
            "room", "room number", "room no", "asset_id",
        ),
        col(
            "check_in", DATE, "入住日期", "到店日期", "抵店日期", "入住时间", "到店时间", "入住",
            "check in", "arrival", "arrival date",
        ),
        col(
            "check_out", "date the guest left; the nights are counted from it when there is no nights",
            "离店日期", "退房日期", "离店时间", "退房时间", "离店", "退房", "check out", "departure",
            "departure date", required=False,
        ),
        col(
            "nights", "whole number 1–31; or give check_out", "入住天数", "间夜数", "晚数", "入住晚数",
            "间夜", "天数", "nights", "room nights", required=False,
        ),
    ),
    row=HotelStay,
    parse=parse,
    person=lambda row: ("user" if row.guest.kind == "user_id" else "phone", row.guest.value),
    build=build,
    days=lambda row: (row.check_in, row.check_in + timedelta(days=row.nights - 1)),
    date_column="check_in",
    identifiers=("room",),
    one_of=(("nights", "check_out"),),
)
