"""Methodology factors: versioned, immutable numbers that turn one behaviour into gCO2e and coins.

Caps are in coins: `daily_cap` (and `monthly_cap`, when set) is what one person earns by the
behaviour in a local day (month), whichever channel credits it; a file row worth more is paid up
to the room left (`claims.transaction`, `imports.credit`).

Rounding: a file row's coins are units × coins_per_unit counted in milli-coins (rounded down to
the milli-coin); the whole coins are paid with the row, the rest (`Reduction.remainder`, 1–999)
waits on the person's wallet per behaviour (`carry_<behaviour>`) and is paid as a whole coin by
the credit of that behaviour that brings it to 1,000, in the same wallet update. A record worth
under one coin after the carry keeps its gCO2e and pays 0 coins; it is not listed on the ledger,
which lists what moves coins (`wallet.account.ledger`).

A PUT creates version n+1 with a conditional put (two concurrent PUTs cannot both take n+1).
The claim uses the newest version whose `effective_from` is not in the future, read through a
per-container cache; the version number is stored on every credit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from tanhui import cache, errors
from tanhui.claims.schemas import (
    BEHAVIOURS,
    CATEGORIES,
    SCAN_METHOD,
    FactorIn,
    FactorList,
    FactorOut,
    FactorVersions,
)
from tanhui.models.base import iso_ms, plain, put_once, utc_now
from tanhui.models.factors import FactorVersion, factor_pk
from tanhui.observability import logger

MILLI = 1000  # milli-coins in a coin: a remainder below one coin is carried in milli-coins
CACHED_VERSIONS = 10  # newest versions kept per behaviour: enough to switch at effective_from
GUIDE = "广东省碳普惠制试点建设指南"


class UnknownBehaviour(errors.NotFound):
    code, message = "unknown_behaviour", "No such behaviour."


class MethodMismatch(errors.Unprocessable):
    code, message = "method_mismatch", "This behaviour is computed with a different method."


class FactorMissing(errors.Conflict):
    code, message = "factor_missing", "No methodology factor is in effect for this behaviour yet."


class AssetIncomplete(errors.Conflict):
    code, message = "asset_incomplete", "The asset lacks the data its factor needs (e.g. route_km)."


def check_behaviour(behaviour: str) -> str:
    if behaviour not in BEHAVIOURS:
        raise UnknownBehaviour(f"Unknown behaviour {behaviour!r}; one of {', '.join(BEHAVIOURS)}.")
    return behaviour


def allowed_method(behaviour: str) -> str:
    return SCAN_METHOD.get(behaviour, "per_unit")


def utc_ms(text: str) -> str:
    """A validated UTC time in the stored form (milliseconds, `Z`), so versions compare as text."""
    return iso_ms(datetime.fromisoformat(text.replace("Z", "+00:00")))


# ------------------------------------------------------------------------------ computation
def in_effect(versions: Iterable[FactorVersion], now_iso: str) -> FactorVersion | None:
    """The newest version (highest number) whose effective_from is not after `now_iso`."""
    ready = [v for v in versions if v.effective_from <= now_iso]
    return max(ready, key=lambda v: int(v.version), default=None)


def reduction(factor: FactorVersion, asset_attributes: Mapping[str, Any] | None = None) -> tuple[int, int]:
    """(coins, gco2e) for one unit of the behaviour. per_ride: route_km × (baseline − eco) g/km."""
    if factor.method == "per_ride":
        try:
            km = float((asset_attributes or {})["route_km"])
        except (KeyError, TypeError, ValueError) as exc:
            raise AssetIncomplete("The vehicle has no route_km; ask its operator to set it.") from exc
        if not km > 0:
            raise AssetIncomplete("The vehicle's route_km must be positive.")
        saved = int(factor.baseline_g_per_km or 0) - int(factor.eco_g_per_km or 0)
        gco2e = int(km * saved + 0.5)
    else:
        gco2e = int(factor.gco2e_per_unit or 0)
    return int(factor.coins_per_unit), gco2e


class UnknownCategory(errors.Unprocessable):
    code, message = "unknown_category", "The factor has no numbers for this category."


class Reduction(tuple[int, int]):
    """(coins, gco2e) of a file row, and `remainder`: the milli-coins (0–999) below its whole
    coins, which carry to the person's next credit of the behaviour (module docstring)."""

    remainder: int

    def __new__(cls, coins: int, gco2e: int, remainder: int = 0) -> Reduction:
        made = super().__new__(cls, (coins, gco2e))
        made.remainder = remainder
        return made


def units_reduction(factor: FactorVersion, units: float, category: str | None = None) -> Reduction:
    """(coins, gco2e) for `units` of a behaviour a partner's file reports (nights, items, trips
    above the baseline, kWh or m³ saved, kg sorted). Coins are counted in milli-coins (rounded
    down): the whole coins are paid, the rest is `remainder` and carries; grams round to the
    nearest gram."""
    if factor.method == "per_category":
        numbers = plain(factor.categories).get(category or "")
        if not numbers:
            raise UnknownCategory(f"No factor numbers for {category!r} in {factor.behaviour}.")
        per_g, per_coin = float(numbers["gco2e_per_unit"]), float(numbers["coins_per_unit"])
    else:
        per_g, per_coin = float(factor.gco2e_per_unit or 0), float(factor.coins_per_unit)
    whole, remainder = divmod(int(units * per_coin * MILLI + 1e-6), MILLI)
    return Reduction(whole, int(units * per_g + 0.5), remainder)


def car_free_reduction(factor: FactorVersion, days: int, daily_km: float) -> tuple[int, int]:
    """Days the car stayed home × the resident's daily km × the default fuel use × gCO2e per
    litre; coins per day."""
    litres = days * daily_km * int(factor.fuel_ml_per_km or 0) / 1000
    return days * int(factor.coins_per_unit), int(litres * int(factor.gco2e_per_litre or 0) + 0.5)


# ---------------------------------------------------------------------------------- storage
def _newest(behaviour: str, limit: int | None, consistent: bool = False) -> list[FactorVersion]:
    return list(
        FactorVersion.query(
            factor_pk(behaviour),
            FactorVersion.sk.startswith("VERSION#"),
            scan_index_forward=False,
            limit=limit,
            consistent_read=consistent,
        )
    )


def create_version(behaviour: str, body: FactorIn, by: str | None, *, now: str | None = None) -> FactorOut:
    check_behaviour(behaviour)
    if body.method != allowed_method(behaviour):
        raise MethodMismatch(f"{behaviour} is computed {allowed_method(behaviour)}, not {body.method}.")
    expected = set(CATEGORIES.get(behaviour, ()))
    if body.categories is not None and set(body.categories) != expected:
        raise MethodMismatch(f"{behaviour} takes the categories {', '.join(sorted(expected))}.")
    if body.baseline_units is not None and behaviour != "transit_trip":
        raise MethodMismatch("baseline_units belongs to transit_trip only.")
    created = now or utc_now()
    for _ in range(10):
        latest = _newest(behaviour, 1, consistent=True)
        version = int(latest[0].version) + 1 if latest else 1
        item = FactorVersion(
            *FactorVersion.key(behaviour, version),
            behaviour=behaviour,
            version=version,
            **body.model_dump(exclude={"effective_from"}),
            effective_from=utc_ms(body.effective_from) if body.effective_from else created,
            created_at=created,
            created_by=by,
        )
        if not put_once(item):
            continue  # another admin took this number: read the newest again
        cache.forget(("factors", behaviour))
        logger.info("factor version created", extra={"behaviour": behaviour, "version": version})
        return FactorOut.model_validate(item)
    raise errors.Conflict("Another factor change is in progress; try again.", code="version_conflict")


def versions(behaviour: str, *, now: str | None = None) -> FactorVersions:
    check_behaviour(behaviour)
    items = _newest(behaviour, None)
    current = in_effect(items, now or utc_now())
    return FactorVersions(
        behaviour=behaviour,
        current_version=int(current.version) if current else None,
        items=[FactorOut.model_validate(v) for v in items],
    )


def current_all(*, now: str | None = None) -> FactorList:
    at = now or utc_now()
    found = (in_effect(_newest(b, CACHED_VERSIONS), at) for b in BEHAVIOURS)
    return FactorList(items=[FactorOut.model_validate(v) for v in found if v is not None])


def factor_for(behaviour: str, now_iso: str) -> FactorVersion:
    """The version a claim at `now_iso` uses (cached metadata; see `tanhui.cache`)."""
    newest = cache.cached(("factors", behaviour), lambda: _newest(behaviour, CACHED_VERSIONS))
    factor = in_effect(newest, now_iso)
    if factor is None:
        raise FactorMissing(f"No factor for {behaviour} is in effect; an administrator must set one.")
    return factor


# ------------------------------------------------------------------------------------- seed
_S3 = "§三(二)3"
SEED_EFFECTIVE_FROM = "2020-01-01T00:00:00.000Z"  # demo factors apply to any claim time
DEFAULTS: dict[str, dict[str, Any]] = {
    "hotel_low_carbon_night": dict(
        method="per_night", unit="night", gco2e_per_unit=1500, coins_per_unit=2, daily_cap=2,
        source=f"{GUIDE} {_S3}(1): 植物认养、景区周边酒店低碳住宿减碳量及“碳币”发放由碳普惠平台后台统一配置"
        "（如低碳住宿1夜发2“碳币”）。gCO2e: demo estimate (no disposables, linen not changed).",
    ),
    "ticket_non_disposable": dict(
        method="per_ticket", unit="ticket", gco2e_per_unit=20, coins_per_unit=1, daily_cap=5,
        source=f"{GUIDE} {_S3}(2): 考虑非一次门票的碳排放及可使用次数，与传统纸质门票的碳排放进行对比，"
        "得出购买非一次性门票的减碳量。gCO2e: demo estimate per paper ticket avoided.",
    ),
    "eco_vehicle_ride": dict(
        method="per_ride", unit="ride", baseline_g_per_km=110, eco_g_per_km=30, coins_per_unit=1,
        daily_cap=10,
        source=f"{GUIDE} {_S3}(3): 根据环保车（船）与传统燃油车船的人均能耗对比，"
        "得出乘坐环保车（船）的减碳量。"
        " g/person-km: demo estimates (fuel tourist coach vs electric shuttle); route km from the vehicle.",
    ),
    "low_carbon_product": dict(
        method="per_item", unit="item", gco2e_per_unit=500, coins_per_unit=2, daily_cap=40,
        source=f"{GUIDE} §四(二)2(2): 核算低碳认证产品对比同类产品的生命周期减碳量；§四(二)3: "
        "在试点低碳节能产品的包装上张贴相应二维码，扫码即承认购买行为。gCO2e: demo estimate per SKU item.",
    ),
    "plant_adoption": dict(
        method="per_unit", unit="plant", gco2e_per_unit=10000, coins_per_unit=5, daily_cap=25,
        source=f"{GUIDE} {_S3}(1) and §三(二)4: 由景区管理处提供认养人姓名、碳普惠账户、认养植物种类…"
        "定期交给平台运营方录入信息。gCO2e: demo estimate per adopted plant.",
    ),
    "product_sale_record": dict(
        method="per_unit", unit="item", gco2e_per_unit=500, coins_per_unit=2, daily_cap=40,
        source=f"{GUIDE} §四(二)3: 由销售员记录消费者的购买行为…并定期反馈给平台运营方。"
        "Same demo reduction as low_carbon_product (one behaviour, either channel).",
    ),
    "transit_trip": dict(
        method="per_unit", unit="trip above the monthly baseline", gco2e_per_unit=300,
        coins_per_unit=1, daily_cap=100, baseline_units=16,
        source=f"{GUIDE} §二(二)2: 乘坐试点公交（总和）高于基准线（如16次/月）的予以鼓励。"
        "gCO2e: demo estimate per trip above 16 a month.",
    ),
    "utility_saving": dict(
        method="per_category", unit="saved unit", coins_per_unit=1, daily_cap=1000,
        categories={
            "electricity": {"unit": "kWh", "gco2e_per_unit": 570, "coins_per_unit": 1},
            "water": {"unit": "m3", "gco2e_per_unit": 170, "coins_per_unit": 1},
            "gas": {"unit": "m3", "gco2e_per_unit": 2160, "coins_per_unit": 2},
        },
        source=f"{GUIDE} §一(二)3(1): 实际用量与用量标准的差即为节约量。"
        "节约量与减碳量的兑换因子由碳普惠平台后台统一配置。"
        "gCO2e: demo grid, water-supply and natural-gas factors per unit saved; replace with the "
        "current published factors.",
    ),
    "car_free_day": dict(
        method="per_car_free_day", unit="day", fuel_ml_per_km=80, gco2e_per_litre=2300,
        coins_per_unit=1, daily_cap=31,
        source=f"{GUIDE} §一(二)3(2): 从物业处获取每个车牌号每月出行日数，"
        "对比上个月减少的日数即为减少出行日。"
        "根据减少出行日、居民的日均里程及百公里油耗（用平台内置缺省值）计算出该行为的减碳量。"
        "Demo: 8 L/100 km default fuel use, 2,300 gCO2e per litre of petrol; km from the resident's "
        "stated daily km.",
    ),
    "waste_sorting": dict(
        method="per_category", unit="sorted unit", coins_per_unit=1, daily_cap=50,
        categories={
            "plastic_bottle": {"unit": "item", "gco2e_per_unit": 30, "coins_per_unit": 1},
            "paper": {"unit": "kg", "gco2e_per_unit": 1400, "coins_per_unit": 2},
            "cardboard": {"unit": "kg", "gco2e_per_unit": 1200, "coins_per_unit": 2},
            "kitchen_waste": {"unit": "kg", "gco2e_per_unit": 300, "coins_per_unit": 1},
        },
        source=f"{GUIDE} §一(二)3(3): 根据垃圾处理方式确定每个塑料瓶、每公斤纸板、"
        "每公斤纸张及每公斤餐厨垃圾等各类垃圾回收利用的减碳量。"
        "gCO2e: demo estimates per item or kg recycled instead of landfilled.",
    ),
}


def seed_defaults(now: str | None = None) -> list[str]:
    """Version 1 of every behaviour's demo factor, if the behaviour has none. Idempotent.
    Returns the behaviours it created."""
    created = now or utc_now()
    made = []
    for behaviour, numbers in DEFAULTS.items():
        item = FactorVersion(
            *FactorVersion.key(behaviour, 1),
            behaviour=behaviour,
            version=1,
            effective_from=SEED_EFFECTIVE_FROM,
            created_at=created,
            created_by="seed",
            **numbers,
        )
        if not put_once(item):
            continue
        cache.forget(("factors", behaviour))
        made.append(behaviour)
    return made
