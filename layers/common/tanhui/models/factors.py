"""Methodology factors (折算系数 / 方法学): immutable, numbered versions per behaviour.

pk=FACTOR#<behaviour>, sk=VERSION#<10-digit version>: a query newest-first finds the current one.
A version is never updated; a change is a new version, so every credit's `factor_version`
keeps pointing at the numbers it was computed with.
"""

from __future__ import annotations

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute

from tanhui.models.base import TanhuiModel

VERSION_DIGITS = 10


def factor_pk(behaviour: str) -> str:
    return f"FACTOR#{behaviour}"


def version_sk(version: int) -> str:
    return f"VERSION#{version:0{VERSION_DIGITS}d}"


class FactorVersion(TanhuiModel):
    behaviour = UnicodeAttribute()
    version = NumberAttribute()
    # per_ride | per_night | per_ticket | per_item | per_unit | per_category | per_car_free_day
    method = UnicodeAttribute()
    unit = UnicodeAttribute()  # ride, night, ticket, item, kWh, trip, ...
    gco2e_per_unit = NumberAttribute(null=True)  # every method except per_ride
    baseline_g_per_km = NumberAttribute(null=True)  # per_ride: conventional vehicle, per person-km
    eco_g_per_km = NumberAttribute(null=True)  # per_ride: the eco vehicle or boat, per person-km
    coins_per_unit = NumberAttribute()
    # per_category: {category: {unit, gco2e_per_unit, coins_per_unit}} (utilities, waste categories)
    categories: MapAttribute = MapAttribute(null=True)
    baseline_units = NumberAttribute(null=True)  # transit_trip: monthly trips that earn nothing
    fuel_ml_per_km = NumberAttribute(null=True)  # per_car_free_day: a default car's fuel use
    gco2e_per_litre = NumberAttribute(null=True)  # per_car_free_day: emission of a litre of fuel
    daily_cap = NumberAttribute()  # coins of this behaviour per user per local day
    monthly_cap = NumberAttribute(null=True)  # coins of this behaviour per user per local month
    source = UnicodeAttribute()  # methodology source text
    effective_from = UnicodeAttribute()
    created_at = UnicodeAttribute()
    created_by = UnicodeAttribute(null=True)

    @staticmethod
    def key(behaviour: str, version: int) -> tuple[str, str]:
        return factor_pk(behaviour), version_sk(version)
