"""Request and response bodies of the claim and factor APIs (the wallet's: `tanhui.wallet.schemas`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from tanhui.request_models import RequestModel
from tanhui.response_models import Map, ResponseModel
from tanhui.wallet.schemas import WalletOut

# behaviours credited by scanning a code, and those only partner files report
SCAN_BEHAVIOURS = (
    "ticket_non_disposable",
    "eco_vehicle_ride",
    "hotel_low_carbon_night",
    "low_carbon_product",
)
IMPORT_BEHAVIOURS = (
    "plant_adoption",
    "product_sale_record",
    "transit_trip",
    "utility_saving",
    "car_free_day",
    "waste_sorting",
)
BEHAVIOURS = SCAN_BEHAVIOURS + IMPORT_BEHAVIOURS
# each behaviour's scene as the pilot guide names it, for people to read:
# certificates print these (every character is in the embedded GB2312 font)
BEHAVIOUR_NAMES = {
    "ticket_non_disposable": "非一次性门票",
    "eco_vehicle_ride": "乘坐环保车船",
    "hotel_low_carbon_night": "低碳住宿",
    "low_carbon_product": "低碳产品",
    "plant_adoption": "植物认养",
    "product_sale_record": "低碳产品销售",
    "transit_trip": "公交出行",
    "utility_saving": "节水节电节气",
    "car_free_day": "减少私家车出行",
    "waste_sorting": "垃圾分类回收",
}
BEHAVIOUR_NAMES_EN = {
    "ticket_non_disposable": "Non-disposable ticket",
    "eco_vehicle_ride": "Eco-vehicle or boat ride",
    "hotel_low_carbon_night": "Low-carbon hotel night",
    "low_carbon_product": "Low-carbon product",
    "plant_adoption": "Plant adoption",
    "product_sale_record": "Low-carbon product sale",
    "transit_trip": "Public transport trip",
    "utility_saving": "Water, power and gas saved",
    "car_free_day": "Day without the car",
    "waste_sorting": "Waste sorted for recycling",
}
Method = Literal[
    "per_ride", "per_night", "per_ticket", "per_item", "per_unit", "per_category", "per_car_free_day"
]
# the method each behaviour is computed with (the others use per_unit)
SCAN_METHOD = {
    "ticket_non_disposable": "per_ticket",
    "eco_vehicle_ride": "per_ride",
    "hotel_low_carbon_night": "per_night",
    "low_carbon_product": "per_item",
    "utility_saving": "per_category",  # electricity, water, gas: each its own unit and numbers
    "waste_sorting": "per_category",  # plastic bottles by the item, paper and the rest by the kg
    "car_free_day": "per_car_free_day",  # days × the resident's daily km × fuel use × gCO2e/L
}
UTILITIES = ("electricity", "water", "gas")
WASTE_CATEGORIES = ("plastic_bottle", "paper", "cardboard", "kitchen_waste")
CATEGORIES = {"utility_saving": UTILITIES, "waste_sorting": WASTE_CATEGORIES}


UtcTime = Annotated[str, StringConstraints(
    max_length=27, pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$")]
Grams = Annotated[int, Field(ge=0, le=100_000_000)]
MAX_CODE = 512  # a scanned code's text (a URL or the bare token)


class ClaimIn(RequestModel):
    code: Annotated[str, StringConstraints(min_length=1, max_length=MAX_CODE)] = Field(
        description="The scanned text: a code URL or the bare token"
    )
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lng: Annotated[float, Field(ge=-180, le=180)] | None = None

    @model_validator(mode="after")
    def _both_or_neither(self) -> ClaimIn:
        if (self.lat is None) != (self.lng is None):
            raise ValueError("send lat and lng together")
        return self


class ClaimOut(ResponseModel):
    claim_id: str
    behaviour: str
    asset: dict
    coins: int
    gco2e: int
    factor_version: int
    claimed_at: str
    wallet: WalletOut
    already_credited: bool = False


class CategoryFactor(RequestModel):
    """The numbers of one category of a per_category behaviour (a utility, a waste category)."""

    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
    gco2e_per_unit: Grams
    coins_per_unit: Annotated[int, Field(ge=0, le=1_000_000)]


class FactorIn(RequestModel):
    """A new version of a behaviour's factor. per_ride needs baseline and eco g/km (per person-km;
    the ride's reduction is route_km × (baseline − eco)); per_category the numbers of every
    category (`categories`); per_car_free_day `fuel_ml_per_km` and `gco2e_per_litre` (a day the
    car stayed home saves daily_km × fuel × gCO2e/L); every other method gco2e_per_unit.
    `baseline_units` (transit_trip: trips a month that earn nothing, 16 in the guide)."""

    logged_fields = ("method", "unit", "gco2e_per_unit", "baseline_g_per_km", "eco_g_per_km",
                     "coins_per_unit", "daily_cap", "monthly_cap", "source", "effective_from", "categories",
                     "baseline_units", "fuel_ml_per_km", "gco2e_per_litre")

    method: Method
    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
    gco2e_per_unit: Grams | None = None
    baseline_g_per_km: Grams | None = None
    eco_g_per_km: Grams | None = None
    coins_per_unit: Annotated[
        int,
        Field(
            ge=0,
            le=1_000_000,
            description="coins a unit earns. A file row's fraction of a coin (0.4 kWh × 1) is not "
            "rounded away: counted in milli-coins, it carries on the person's wallet to their next "
            "credit of the behaviour, which pays the coin when the carry reaches 1; a record under "
            "one coin keeps its gCO2e and is not listed on the ledger (never a 0-coin entry)",
        ),
    ]
    daily_cap: Annotated[
        int, Field(ge=1, le=1_000_000, description="coins a person earns by this behaviour a local day")
    ]
    monthly_cap: Annotated[
        int | None, Field(ge=1, le=10_000_000, description="coins a person earns by it a local month")
    ] = None
    source: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    effective_from: UtcTime | None = Field(default=None, description="UTC, e.g. 2026-12-01T00:00:00Z")
    categories: dict[str, CategoryFactor] | None = None
    baseline_units: Annotated[int, Field(ge=0, le=10_000)] | None = None
    fuel_ml_per_km: Annotated[int, Field(ge=1, le=1000)] | None = None
    gco2e_per_litre: Grams | None = None

    @model_validator(mode="after")
    def _method_numbers(self) -> FactorIn:
        if self.method == "per_category":
            if not self.categories:
                raise ValueError("per_category needs categories")
            if self.gco2e_per_unit is not None:
                raise ValueError("per_category takes its numbers from categories; omit gco2e_per_unit")
            return self
        if self.categories is not None:
            raise ValueError("categories belong to per_category only")
        if self.method == "per_car_free_day":
            if self.fuel_ml_per_km is None or self.gco2e_per_litre is None:
                raise ValueError("per_car_free_day needs fuel_ml_per_km and gco2e_per_litre")
            if self.gco2e_per_unit is not None:
                raise ValueError("per_car_free_day computes gCO2e from km and fuel; omit gco2e_per_unit")
            return self
        if self.fuel_ml_per_km is not None or self.gco2e_per_litre is not None:
            raise ValueError("fuel_ml_per_km and gco2e_per_litre belong to per_car_free_day only")
        if self.method == "per_ride":
            if self.baseline_g_per_km is None or self.eco_g_per_km is None:
                raise ValueError("per_ride needs baseline_g_per_km and eco_g_per_km")
            if self.eco_g_per_km > self.baseline_g_per_km:
                raise ValueError("eco_g_per_km must not exceed baseline_g_per_km")
            if self.gco2e_per_unit is not None:
                raise ValueError("per_ride computes gCO2e from route km; omit gco2e_per_unit")
        else:
            if self.gco2e_per_unit is None:
                raise ValueError(f"{self.method} needs gco2e_per_unit")
            if self.baseline_g_per_km is not None or self.eco_g_per_km is not None:
                raise ValueError("baseline_g_per_km and eco_g_per_km belong to per_ride only")
        return self


class FactorOut(ResponseModel):
    behaviour: str
    version: int
    method: str
    unit: str
    gco2e_per_unit: int | None
    baseline_g_per_km: int | None
    eco_g_per_km: int | None
    coins_per_unit: int
    daily_cap: int
    monthly_cap: int | None = None
    source: str
    effective_from: str
    created_at: str
    created_by: str | None
    categories: Map | None = None
    baseline_units: int | None = None
    fuel_ml_per_km: int | None = None
    gco2e_per_litre: int | None = None


class FactorVersions(ResponseModel):
    behaviour: str
    current_version: int | None
    items: list[FactorOut]


class FactorList(ResponseModel):
    items: list[FactorOut]
