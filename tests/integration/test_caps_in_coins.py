"""Caps count coins, not credits: what a person earns by a behaviour in a day (and a month, when
the factor has a monthly cap) stays at or below the cap whichever channel credits it, and a file
row worth more than the room left is paid the room, saying what it would have paid."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from tanhui import errors
from tanhui.claims import factors, keys, scan
from tanhui.claims.schemas import ClaimIn, FactorIn
from tanhui.models.behaviour import BehaviourRecord
from tanhui.models.wallet import Wallet

from tests.factories import make_asset, partner_item, single_use
from tests.support import import_file

LAST_MONTH = (datetime.now(UTC).replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


@pytest.fixture(scope="module", autouse=True)
def _ready(aws):
    factors.seed_defaults()


@pytest.fixture
def product_factor(admin) -> Iterator:
    """Sets low_carbon_product's numbers for one test, then puts the defaults back in force."""

    def set_numbers(**numbers) -> None:
        body = factors.DEFAULTS["low_carbon_product"] | numbers
        factors.create_version("low_carbon_product", FactorIn(**body), admin.user_id)

    yield set_numbers
    set_numbers()


def _coins(user_id: str) -> int:
    return int(Wallet.get(*Wallet.key(user_id), consistent_read=True).coins)


def _claims(user_id: str, codes: list[str]) -> list[object]:
    outcomes: list[object] = []
    for code in codes:
        try:
            outcomes.append(scan.claim(user_id, ClaimIn(code=code)).body.coins)
        except errors.DailyCapReached:
            outcomes.append("cap")
    return outcomes


def test_given_cap_of_5_coins_when_items_of_2_coins_scanned_then_2_credited(register, product_factor):
    product_factor(coins_per_unit=2, daily_cap=5)
    user = register().user_id
    codes = single_use(make_asset(partner_item("manufacturer"), "product_sku"), 3)

    assert _claims(user, codes) == [2, 2, "cap"]  # a third would make 6 coins
    assert _coins(user) == 4


def test_given_monthly_cap_when_scans_pass_it_then_refused_though_the_day_has_room(
    register, product_factor
):
    product_factor(coins_per_unit=2, daily_cap=100, monthly_cap=6)
    user = register().user_id
    codes = single_use(make_asset(partner_item("manufacturer"), "product_sku"), 4)

    assert _claims(user, codes) == [2, 2, 2, "cap"]
    assert _coins(user) == 6


def test_given_transit_row_worth_more_than_the_cap_then_paid_the_cap_and_says_so(
    api, dispatcher, register, make_partner
):
    operator = make_partner("transport_operator")
    rider = register()
    card = "YCT" + str(secrets.randbelow(10**10)).zfill(10)
    assert api.put("/v1/me/bindings", {"transit_card": card}, as_=rider).status == 200
    factor = factors.factor_for("transit_trip", f"{LAST_MONTH}-01T04:00:00.000Z")
    cap, baseline = int(factor.daily_cap), int(factor.baseline_units)
    trips = baseline + cap * 2 + 3  # worth two caps and more

    data = f"card,month,trips\n{card},{LAST_MONTH},{trips}\n".encode()
    job = import_file(api, dispatcher, operator, "transit_trips", data, "t.csv")

    assert (job["counts"]["credited"], job["coins"]) == (1, cap), (job["counts"], job["reasons"])
    assert _coins(rider.user_id) == cap
    [entry] = api.get("/v1/me/ledger", as_=rider).body["items"]
    assert entry["coins"] == cap
    assert entry["gco2e"] == (trips - baseline) * int(factor.gco2e_per_unit)  # the reduction is all there
    assert entry["evidence"]["coins_uncapped"] == (trips - baseline) * int(factor.coins_per_unit)
    record = BehaviourRecord.get(*BehaviourRecord.key(keys.transit_month(card, LAST_MONTH)))
    assert record.content_hash == record.content_digest()  # sealed as paid


def test_given_a_monthly_cap_when_a_file_pays_nights_of_one_month_then_the_month_holds_at_the_cap(
    api, dispatcher, register, make_partner, admin
):
    # a factor version with a monthly cap of 3 coins, in effect for the nights below (2 coins a
    # night, 2 a day); put back afterwards by a later version from the same moment
    since = (datetime.now(UTC) - timedelta(days=75)).strftime("%Y-%m-%dT%H:%M:%SZ")
    defaults = factors.DEFAULTS["hotel_low_carbon_night"]
    capped = FactorIn(**(defaults | {"monthly_cap": 3, "effective_from": since}))
    factors.create_version("hotel_low_carbon_night", capped, admin.user_id)
    try:
        hotel = make_partner("hotel")
        make_asset(hotel.partner_id, "hotel_room", attributes={"room_number": "301"})
        guest = register()
        first = (datetime.now(UTC) + timedelta(hours=8)).date().replace(day=1) - timedelta(days=1)
        nights = [first.replace(day=d).isoformat() for d in (1, 2, 3)]  # three days of last month
        data = "guest,room,check_in,nights\n" + "".join(f"{guest.phone},301,{n},1\n" for n in nights)

        job = import_file(api, dispatcher, hotel, "hotel_stays", data.encode())

        assert job["coins"] == 3 and _coins(guest.user_id) == 3, (job["counts"], job["reasons"])
        ledger = api.get("/v1/me/ledger", as_=guest).body["items"]
        assert sorted(e["coins"] for e in ledger) == [1, 2]
    finally:
        factors.create_version("hotel_low_carbon_night", FactorIn(**(defaults | {"effective_from": since})),
                               admin.user_id)
