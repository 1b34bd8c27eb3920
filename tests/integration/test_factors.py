"""Methodology factors: immutable versions, current factor, history never rewritten."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from tanhui.claims import factors
from tanhui.claims.schemas import FactorIn

from tests.factories import (
    make_asset,
    partner_item,
    single_use,
)

PLANT = {"method": "per_unit", "unit": "plant", "gco2e_per_unit": 9000, "coins_per_unit": 4,
         "daily_cap": 12, "source": "景区管理处 plant adoption, test"}  # coins: 3 plants


@pytest.fixture(scope="module", autouse=True)
def _ready(aws):
    factors.seed_defaults()


def test_given_seed_then_hotel_night_is_2_coins_citing_the_guide(api, admin):
    listed = api.get("/v1/admin/factors", as_=admin).body["items"]
    assert {f["behaviour"] for f in listed} == set(factors.BEHAVIOURS)
    versions = api.get("/v1/admin/factors/hotel_low_carbon_night", as_=admin).body
    v1 = versions["items"][-1]
    assert (v1["version"], v1["coins_per_unit"], v1["unit"]) == (1, 2, "night")
    assert "低碳住宿1夜发2“碳币”" in v1["source"]
    assert factors.seed_defaults() == []  # idempotent


def test_given_admin_puts_versions_then_listed_newest_first_and_future_one_waits(api, admin):
    first = api.put("/v1/admin/factors/plant_adoption", PLANT, as_=admin)
    assert first.status == 201, first.body
    future = api.put("/v1/admin/factors/plant_adoption",
                     {**PLANT, "coins_per_unit": 9, "effective_from": "2099-01-01T00:00:00Z"}, as_=admin)
    assert future.body["version"] == first.body["version"] + 1
    got = api.get("/v1/admin/factors/plant_adoption", as_=admin).body
    assert [v["version"] for v in got["items"]][:2] == [future.body["version"], first.body["version"]]
    assert got["current_version"] == first.body["version"]
    current = {f["behaviour"]: f for f in api.get("/v1/admin/factors", as_=admin).body["items"]}
    assert current["plant_adoption"]["coins_per_unit"] == 4


def test_given_concurrent_puts_then_distinct_version_numbers(admin):
    body = FactorIn(**PLANT)
    with ThreadPoolExecutor(4) as pool:
        made = list(pool.map(lambda _: factors.create_version("plant_adoption", body, "t").version, range(4)))
    assert len(set(made)) == 4


@pytest.mark.parametrize(
    ("behaviour", "body", "code"),
    [
        ("flying", PLANT, "unknown_behaviour"),
        ("eco_vehicle_ride", PLANT, "method_mismatch"),
        ("eco_vehicle_ride", {**PLANT, "method": "per_ride"}, "validation_error"),
        ("plant_adoption", {**PLANT, "coins_per_unit": -1}, "validation_error"),
        ("plant_adoption", {**PLANT, "effective_from": "tomorrow"}, "validation_error"),
        ("eco_vehicle_ride", {**PLANT, "method": "per_ride", "gco2e_per_unit": None,
                              "baseline_g_per_km": 30, "eco_g_per_km": 90}, "validation_error"),
    ],
)
def test_given_bad_factor_then_4xx(api, admin, behaviour, body, code):
    reply = api.put(f"/v1/admin/factors/{behaviour}", body, as_=admin)
    assert reply.status in (404, 422) and reply.error_code == code


def test_given_non_admin_then_403(api, register):
    tourist = register()
    assert api.put("/v1/admin/factors/plant_adoption", PLANT, as_=tourist).status == 403
    assert api.get("/v1/admin/factors", as_=tourist).status == 403


def test_given_factor_changes_then_past_credits_keep_their_version(api, admin, register):
    tourist = register()
    codes = single_use(make_asset(partner_item(), "ticket_product"), 2)
    ticket = {"method": "per_ticket", "unit": "ticket", "gco2e_per_unit": 25, "coins_per_unit": 3,
              "daily_cap": 10, "source": "test v-a"}  # coins
    try:
        va = api.put("/v1/admin/factors/ticket_non_disposable", ticket, as_=admin).body["version"]
        a = api.post("/v1/claims", {"code": codes[0]}, as_=tourist).body
        changed = {**ticket, "coins_per_unit": 4, "gco2e_per_unit": 30}
        vb = api.put("/v1/admin/factors/ticket_non_disposable", changed, as_=admin).body["version"]
        b = api.post("/v1/claims", {"code": codes[1]}, as_=tourist).body
    finally:  # the defaults in force again: later tests scan tickets under the demo's cap
        factors.create_version("ticket_non_disposable", FactorIn(**factors.DEFAULTS["ticket_non_disposable"]),
                               admin.user_id)
    assert (a["factor_version"], a["coins"], a["gco2e"]) == (va, 3, 25)
    assert (b["factor_version"], b["coins"], b["gco2e"]) == (vb, 4, 30)
    ledger = api.get("/v1/me/ledger", as_=tourist).body["items"]
    assert [(e["factor_version"], e["coins"]) for e in ledger] == [(vb, 4), (va, 3)]
    assert api.get("/v1/me/wallet", as_=tourist).body["coins"] == 7
