"""What a parsed file row credits: its person, behaviour records, de-duplication keys and numbers.

The keys are the scans' own (`claims.keys`): a hotel night is (user, night) whichever channel
reports it, a product with its printed serial is that code's key; behaviours only files report
are keyed by what identifies them in the world (card and month, account and period, …). The
factor is the version in effect when the behaviour happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from tanhui import bindings, cache
from tanhui.claims import factors, keys
from tanhui.claims import transaction as tx
from tanhui.claims.scan import new_claim_id
from tanhui.codes.token import gtin14
from tanhui.imports import formats
from tanhui.imports.credit import INVALID, NO_REDUCTION, PENDING, Credit, Quota
from tanhui.models.assets import Asset
from tanhui.models.base import iso_ms, plain
from tanhui.models.behaviour import BehaviourRecord, ledger_pk
from tanhui.models.imports import CarMonth
from tanhui.models.partner import Partner, partner_pk

# which partner roles may hand in which file
ROLES_OF_TYPE = {
    "hotel_stays": ("hotel",),
    "product_sales": ("manufacturer", "merchant"),
    "plant_adoptions": ("scenic_spot",),
    "transit_trips": ("transport_operator",),
    "utility_savings": ("utility",),
    "car_trips": ("property_manager",),
    "waste_sorting": ("property_manager", "recycler"),
}
BEHAVIOUR_OF_TYPE = {
    "hotel_stays": "hotel_low_carbon_night",
    "product_sales": "product_sale_record",  # low_carbon_product when the row has the serial
    "plant_adoptions": "plant_adoption",
    "transit_trips": "transit_trip",
    "utility_savings": "utility_saving",
    "car_trips": "car_free_day",
    "waste_sorting": "waste_sorting",
}


class Rejected(Exception):
    """The row credits nothing: `status` is its count (invalid, no_reduction, pending)."""

    def __init__(self, status: str, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _invalid(code: str, message: str) -> Rejected:
    return Rejected(INVALID, code, message)


# ---------------------------------------------------------------------------- the partner
@dataclass(frozen=True)
class Context:
    """What a partner's rows are checked against, loaded once per range (and cached)."""

    partner_id: str
    partner_name: str
    role: str
    monthly_coin_quota: int | None
    rooms: dict[str, Asset]  # room number and asset id -> hotel room
    products: dict[str, Asset]  # sku, GTIN-14 and asset id -> product SKU

    @property
    def quota(self) -> Quota:
        return Quota(self.partner_id, self.monthly_coin_quota)


def context(partner_id: str, *, fresh: bool = False) -> Context:
    """The partner's context, from the per-container cache unless `fresh` (a range of a file
    reads it anew: a room or product the partner added just before uploading must be found)."""
    if fresh:
        cache.forget(("import_context", partner_id))

    def load() -> Context:
        partner = Partner.get(*Partner.key(partner_id))
        rooms: dict[str, Asset] = {}
        products: dict[str, Asset] = {}
        for asset in Asset.query(partner_pk(partner_id), Asset.sk.startswith("ASSET#")):
            if asset.status == "revoked":
                continue
            attributes = plain(asset.attributes)
            if asset.kind == "hotel_room":
                rooms[asset.asset_id] = asset
                rooms.setdefault(str(attributes.get("room_number", "")).strip().upper(), asset)
            elif asset.kind == "product_sku":
                products[asset.asset_id] = asset
                products.setdefault(str(attributes.get("sku", "")).strip().upper(), asset)
                gtin = gtin14(str(attributes.get("gtin") or ""))
                if gtin:
                    products.setdefault(gtin, asset)
        return Context(
            partner_id=partner_id,
            partner_name=partner.name,
            role=partner.role,
            monthly_coin_quota=None
            if partner.monthly_coin_quota is None
            else int(partner.monthly_coin_quota),
            rooms=rooms,
            products=products,
        )

    return cache.cached(("import_context", partner_id), load)


# ------------------------------------------------------------------------------ the person
def person(file_type: str, row: Any) -> tuple[str, str]:
    """How the row names its person: ("user", id), ("phone", E.164) or a bound number's kind."""
    who = getattr(row, "guest", None) or getattr(row, "buyer", None) or getattr(row, "adopter", None)
    if who is not None:
        return ("user" if who.kind == "user_id" else "phone"), who.value
    kind, text = {
        "transit_trips": lambda: ("transit_card", row.card),
        "utility_savings": lambda: (f"{row.utility}_account", row.account),
        "car_trips": lambda: ("car_plate", row.plate),
        "waste_sorting": lambda: ("sorting_card", row.card),
    }[file_type]()
    try:
        return kind, bindings.normalise(kind, text)
    except Exception as exc:  # the number cannot be anyone's: a row error, not a file error
        raise _invalid("invalid_number", f"{text!r} is not a valid {kind.replace('_', ' ')}.") from exc


# ------------------------------------------------------------------------------- the plan
def _at_local(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=keys.LOCAL)


def _month_start(month: str) -> date:
    return date.fromisoformat(f"{month}-01")


def _when(value: date | datetime) -> datetime:
    return value if isinstance(value, datetime) else _at_local(value)


@dataclass
class Plan:
    """Builds the records of one row for a known user."""

    ctx: Context
    file_type: str
    import_id: str
    object_key: str
    row_no: int
    now: datetime

    def record(
        self,
        key: str,
        behaviour: str,
        factor: Any,
        coins: int,
        gco2e: int,
        occurred: datetime,
        asset: Asset | None,
        user_id: str,
        evidence: dict[str, Any],
    ) -> BehaviourRecord:
        created = iso_ms(self.now)
        claim_id = new_claim_id(self.now)
        return BehaviourRecord(
            *BehaviourRecord.key(key),
            claim_id=claim_id,
            user_id=user_id,
            behaviour=behaviour,
            channel="import",
            partner_id=self.ctx.partner_id,
            partner_name=self.ctx.partner_name,
            asset_id=asset.asset_id if asset else None,
            asset_name=asset.name if asset else None,
            evidence={
                "import_id": self.import_id,
                "file": self.object_key,
                "row": self.row_no,
                "type": self.file_type,
                **evidence,
            },
            factor_version=int(factor.version),
            coins=coins,
            gco2e=gco2e,
            occurred_at=iso_ms(occurred),
            created_at=created,
            gsi1pk=ledger_pk(user_id),
            gsi1sk=f"{created}#{claim_id}",
        ).seal()


def _factor(behaviour: str, occurred: datetime) -> Any:
    try:
        return factors.factor_for(behaviour, iso_ms(occurred))
    except factors.FactorMissing as exc:
        raise _invalid("factor_missing", f"No factor for {behaviour} was in effect then.") from exc


def credit_of(plan: Plan, row: Any, user_id: str) -> Credit:
    """The row's credit for `user_id`; raises Rejected when it credits nothing."""
    build = _BUILDERS[plan.file_type]
    behaviour, records, daily_cap = build(plan, row, user_id)
    return Credit(
        row=plan.row_no,
        import_id=plan.import_id,
        user_id=user_id,
        behaviour=behaviour,
        daily_cap=daily_cap,
        records=records,
        days=[
            tx.cap_day(datetime.fromisoformat(r.occurred_at.replace("Z", "+00:00"))) for r in records
        ],
    )


def _one(
    plan: Plan, key: str, behaviour: str, factor: Any, coins: int, gco2e: int, occurred: datetime,
    asset: Asset | None, user_id: str, evidence: dict[str, Any],
) -> tuple[str, list[BehaviourRecord], int]:
    """A row that is one behaviour record: (behaviour, [record], the factor's daily cap)."""
    record = plan.record(key, behaviour, factor, coins, gco2e, occurred, asset, user_id, evidence)
    return behaviour, [record], int(factor.daily_cap)


def _hotel(plan: Plan, row: Any, user_id: str) -> tuple[str, list[BehaviourRecord], int]:
    room = plan.ctx.rooms.get(str(row.room).strip().upper())
    if room is None:
        raise _invalid("asset_not_found", f"Room {row.room!r} is not one of this hotel's rooms.")
    behaviour = "hotel_low_carbon_night"
    records = []
    for n in range(row.nights):
        night = row.check_in + timedelta(days=n)
        occurred = _at_local(night, 20)
        factor = _factor(behaviour, occurred)
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
    return behaviour, records, int(_factor(behaviour, _at_local(row.check_in)).daily_cap)


def _product(plan: Plan, row: Any, user_id: str) -> tuple[str, list[BehaviourRecord], int]:
    asset = None
    for ref in (row.gtin and gtin14(row.gtin), row.sku and str(row.sku).strip().upper()):
        asset = asset or (plan.ctx.products.get(ref) if ref else None)
    if asset is None:
        raise _invalid("asset_not_found", "The SKU/GTIN is not one of this partner's products.")
    occurred = _when(row.sold_at)
    evidence = {
        "sku": row.sku or "",
        "gtin": row.gtin or "",
        "quantity": row.quantity,
        "salesperson": row.salesperson or "",
    }
    if row.serial:
        if row.quantity != 1:
            raise _invalid("serial_quantity", "A printed serial names one item: quantity must be 1.")
        behaviour = "low_carbon_product"
        key = keys.single_use_code(row.serial)
        units = 1
        evidence["serial"] = row.serial
    else:
        behaviour = "product_sale_record"
        key = keys.product_sale(plan.ctx.partner_id, row.receipt, row.receipt_line or "1")
        units = row.quantity
        evidence |= {"receipt": row.receipt, "receipt_line": row.receipt_line or "1"}
    factor = _factor(behaviour, occurred)
    coins, gco2e = factors.units_reduction(factor, units)
    return _one(plan, key, behaviour, factor, coins, gco2e, occurred, asset, user_id, evidence)


def _plant(plan: Plan, row: Any, user_id: str) -> tuple[str, list[BehaviourRecord], int]:
    behaviour, occurred = "plant_adoption", _when(row.adopted_on)
    factor = _factor(behaviour, occurred)
    coins, gco2e = factors.units_reduction(factor, 1)
    evidence = {
        "tree_id": row.tree_id,
        "species": row.species,
        "age_years": row.age_years if row.age_years is not None else "",
        "height_m": str(row.height_m) if row.height_m is not None else "",
    }
    key = keys.plant_adoption(plan.ctx.partner_id, row.tree_id, occurred.year)
    return _one(plan, key, behaviour, factor, coins, gco2e, occurred, None, user_id, evidence)


def _transit(plan: Plan, row: Any, user_id: str) -> tuple[str, list[BehaviourRecord], int]:
    behaviour, occurred = "transit_trip", _at_local(_month_start(row.month))
    factor = _factor(behaviour, occurred)
    baseline = int(factor.baseline_units if factor.baseline_units is not None else 16)
    above = row.trips - baseline
    if above <= 0:
        raise Rejected(
            NO_REDUCTION, "below_baseline", f"{row.trips} trips is not above the baseline of {baseline}."
        )
    coins, gco2e = factors.units_reduction(factor, above)
    card = bindings.normalise("transit_card", row.card)
    key = keys.transit_month(card, row.month)
    evidence = {"card": card, "month": row.month, "trips": row.trips, "baseline": baseline}
    return _one(plan, key, behaviour, factor, coins, gco2e, occurred, None, user_id, evidence)


def _utility(plan: Plan, row: Any, user_id: str) -> tuple[str, list[BehaviourRecord], int]:
    behaviour, occurred = "utility_saving", _at_local(_month_start(row.period))
    saved = float(row.standard) - float(row.usage)
    if saved <= 0:
        raise Rejected(NO_REDUCTION, "no_saving", "The usage is not below the standard.")
    factor = _factor(behaviour, occurred)
    try:
        coins, gco2e = factors.units_reduction(factor, saved, row.utility)
    except factors.UnknownCategory as exc:
        raise _invalid("factor_missing", exc.message) from exc
    account = bindings.normalise(f"{row.utility}_account", row.account)
    key = keys.utility_period(row.utility, account, row.period)
    evidence = {
        "account": account,
        "utility": row.utility,
        "period": row.period,
        "usage": str(row.usage),
        "standard": str(row.standard),
    }
    return _one(plan, key, behaviour, factor, coins, gco2e, occurred, None, user_id, evidence)


def _previous_month(month: str) -> str:
    first = _month_start(month)
    return (first - timedelta(days=1)).strftime("%Y-%m")


def _car(plan: Plan, row: Any, user_id: str) -> tuple[str, list[BehaviourRecord], int]:
    behaviour, occurred = "car_free_day", _at_local(_month_start(row.month))
    plate = bindings.normalise("car_plate", row.plate)
    previous = row.days_out_previous
    if previous is None:
        previous = CarMonth.days_out_in(plate, _previous_month(row.month))
    if previous is None:
        raise Rejected(
            NO_REDUCTION,
            "no_previous_month",
            "No days-out figure for the previous month (send days_out_previous).",
        )
    fewer = int(previous) - row.days_out
    if fewer <= 0:
        raise Rejected(NO_REDUCTION, "no_fewer_days", "The car went out no fewer days than the month before.")
    km = bindings.daily_km(user_id)
    if not km:
        raise Rejected(
            PENDING, "daily_km_missing", "The resident has not stated a daily km yet (PUT /v1/me/bindings)."
        )
    factor = _factor(behaviour, occurred)
    coins, gco2e = factors.car_free_reduction(factor, fewer, float(km))
    key = keys.car_month(plate, row.month)
    evidence = {
        "plate": plate,
        "month": row.month,
        "days_out": row.days_out,
        "days_out_previous": int(previous),
        "daily_km": str(km),
    }
    return _one(plan, key, behaviour, factor, coins, gco2e, occurred, None, user_id, evidence)


def _waste(plan: Plan, row: Any, user_id: str) -> tuple[str, list[BehaviourRecord], int]:
    behaviour, occurred = "waste_sorting", _when(row.time)
    units = float(row.quantity if row.quantity is not None else row.kg)
    factor = _factor(behaviour, occurred)
    try:
        coins, gco2e = factors.units_reduction(factor, units, row.category)
    except factors.UnknownCategory as exc:
        raise _invalid("factor_missing", exc.message) from exc
    card = bindings.normalise("sorting_card", row.card)
    key = keys.waste_drop(card, iso_ms(occurred), row.category)
    evidence = {
        "card": card,
        "category": row.category,
        "quantity": row.quantity if row.quantity is not None else "",
        "kg": str(row.kg) if row.kg is not None else "",
    }
    return _one(plan, key, behaviour, factor, coins, gco2e, occurred, None, user_id, evidence)


_BUILDERS = {
    "hotel_stays": _hotel,
    "product_sales": _product,
    "plant_adoptions": _plant,
    "transit_trips": _transit,
    "utility_savings": _utility,
    "car_trips": _car,
    "waste_sorting": _waste,
}
assert set(_BUILDERS) == set(formats.FILE_TYPES)


def observe(file_type: str, row: Any, ctx: Context) -> None:
    """What later rows compare against: a plate's days out this month (car_trips)."""
    if file_type == "car_trips":
        CarMonth.remember(bindings.normalise("car_plate", row.plate), row.month, row.days_out, ctx.partner_id)
