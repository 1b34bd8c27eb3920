"""Every file type over the moto server: rows matched by phone or a bound number, credited with
the behaviour's factor and de-duplication key, and counted once with scans."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest
from tanhui.claims import factors
from tanhui.codes import keyring, token
from tanhui.models.wallet import Wallet

from tests.factories import make_asset, single_use
from tests.support import import_file

LAST_MONTH = (datetime.now(UTC).replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
TODAY = (datetime.now(UTC) + timedelta(hours=8)).date().isoformat()


@pytest.fixture(scope="module", autouse=True)
def _ready(aws):
    factors.seed_defaults()


@pytest.fixture
def upload(aws, api, functions):
    """Uploads a file as the partner's console does (the import, its presigned form), lets the
    dispatcher deliver the notification and the ranges, returns the import."""
    from infra.local import cfn
    from infra.local.dispatcher import Dispatcher

    dispatcher = Dispatcher(aws, cfn.load_template(), functions, streams=False)
    dispatcher.drain()

    def send(partner, file_type: str, text: str) -> dict:
        return import_file(api, dispatcher, partner, file_type, text.encode(), f"{secrets.token_hex(4)}.csv")

    return send


def _coins(user_id: str) -> int:
    return int(Wallet.get(*Wallet.key(user_id), consistent_read=True).coins)


def _factor(behaviour: str, day: str = TODAY):
    """The version in effect when the behaviour happened (other tests add versions for later)."""
    return factors.factor_for(behaviour, f"{day}T04:00:00.000Z")


def _bind(api, who, **numbers):
    reply = api.put("/v1/me/bindings", numbers, as_=who)
    assert reply.status == 200, reply.body
    return reply.body


def _number(prefix: str = "") -> str:
    return prefix + str(secrets.randbelow(10**10)).zfill(10)


def test_given_product_sales_then_serials_share_the_scans_key_and_receipts_their_own(
    api, upload, register, make_partner
):
    maker = make_partner("manufacturer")
    sku = make_asset(maker.partner_id, "product_sku")
    scanned_code, filed_code = single_use(sku, 2)
    filed_serial, scanned_serial = _serial(filed_code), _serial(scanned_code)
    printed = "-".join(filed_serial[i : i + 4] for i in range(0, 16, 4))  # as on the label
    buyer, scanner = register(), register()
    assert api.post("/v1/claims", {"code": scanned_code}, as_=scanner).status == 201
    text = (
        "\n".join(
            [
                "buyer,sku,gtin,serial,quantity,sold_at,salesperson,receipt,receipt_line",
                f"{buyer.phone},FR-1,,{printed},1,{TODAY},王芳,,",
                f"{buyer.phone},,6901234567892,{scanned_serial},1,{TODAY},王芳,,",  # scanned already
                f"{buyer.phone},FR-1,,,3,{TODAY},王芳,R-1,1",
                f"{buyer.phone},FR-1,,,3,{TODAY},王芳,R-1,1",  # the same receipt line twice
                f"{buyer.phone},NOT-OURS,,,1,{TODAY},王芳,R-2,1",
            ]
        )
        + "\n"
    )

    job = upload(maker, "product_sales", text)

    product, sale = _factor("low_carbon_product"), _factor("product_sale_record")
    c = job["counts"]
    assert (c["credited"], c["duplicate"], c["invalid"]) == (2, 2, 1), job
    assert job["coins"] == int(product.coins_per_unit) + 3 * int(sale.coins_per_unit) == _coins(buyer.user_id)
    again = api.post("/v1/claims", {"code": filed_code}, as_=buyer)
    assert again.status == 200 and again.body["already_credited"] is True  # the salesperson's record


def _serial(code: str) -> str:
    return str(token.verify(token.parse_scanned(code).token, keyring.verifying_key).serial)


def test_given_plant_adoptions_then_one_credit_per_tree_and_year(api, upload, register, make_partner):
    spot = make_partner("scenic_spot")
    adopter = register()
    text = (
        "认养人,树木编号,植物种类,树龄,高度,认养日期\n"
        f"{adopter.phone},DX-0001,丹霞梧桐,12,6.5,{TODAY}\n"
        f"{adopter.phone},DX-0001,丹霞梧桐,12,6.5,{TODAY}\n"
    )
    job = upload(spot, "plant_adoptions", text)
    assert (job["counts"]["credited"], job["counts"]["duplicate"]) == (1, 1), job
    assert _coins(adopter.user_id) == int(_factor("plant_adoption").coins_per_unit)


def test_given_transit_trips_then_trips_above_the_baseline_earn(api, upload, register, make_partner):
    operator = make_partner("transport_operator")
    rider, few = register(), register()
    card, other = _number("YCT"), _number("YCT")
    _bind(api, rider, transit_card=card)
    _bind(api, few, transit_card=other)
    job = upload(
        operator, "transit_trips", f"card,month,trips\n{card},{LAST_MONTH},26\n{other},{LAST_MONTH},9\n"
    )
    f = _factor("transit_trip", f"{LAST_MONTH}-01")
    assert (job["counts"]["credited"], job["counts"]["no_reduction"]) == (1, 1), job
    assert _coins(rider.user_id) == (26 - int(f.baseline_units)) * int(f.coins_per_unit)


def test_given_utility_savings_then_the_saving_earns_by_utility(api, upload, register, make_partner):
    utility = make_partner("utility")
    home = register()
    power, water = _number(), _number()
    _bind(api, home, electricity_account=power, water_account=water)
    text = f"户号,类型,账期,用量,标准\n{power},电,{LAST_MONTH},180.5,200\n{water},水,{LAST_MONTH},12,10\n"
    job = upload(utility, "utility_savings", text)
    kwh = factors.plain(_factor("utility_saving", f"{LAST_MONTH}-01").categories)["electricity"]
    assert (job["counts"]["credited"], job["counts"]["no_reduction"]) == (1, 1), job
    assert job["gco2e"] == round(19.5 * int(kwh["gco2e_per_unit"]))
    assert _coins(home.user_id) == int(19.5 * int(kwh["coins_per_unit"]))


def test_given_car_trips_then_days_fewer_than_last_month_times_daily_km(api, upload, register, make_partner):
    estate = make_partner("property_manager")
    driver = register()
    plate = "粤B" + secrets.token_hex(3).upper()[:5]
    _bind(api, driver, car_plate=plate[:2] + "·" + plate[2:], daily_km=20)
    job = upload(estate, "car_trips", f"plate,month,days_out,days_out_previous\n{plate},{LAST_MONTH},10,15\n")
    f = _factor("car_free_day", f"{LAST_MONTH}-01")
    assert job["counts"]["credited"] == 1, job
    assert job["gco2e"] == round(5 * 20 * int(f.fuel_ml_per_km) * int(f.gco2e_per_litre) / 1000)
    assert _coins(driver.user_id) == 5 * int(f.coins_per_unit)


def test_given_waste_sorting_then_each_category_by_its_own_unit(api, upload, register, make_partner):
    recycler = make_partner("recycler")
    resident = register()
    card = _number("GZ")
    _bind(api, resident, sorting_card=card)
    text = (
        "card,time,category,quantity,kg\n"
        f"{card},{TODAY} 07:45,塑料瓶,6,\n"
        f"{card},{TODAY} 07:46,paper,,2.5\n"
        f"{card},{TODAY} 07:46,paper,,2.5\n"  # the machine sent the same drop twice
    )
    job = upload(recycler, "waste_sorting", text)
    cat = factors.plain(_factor("waste_sorting").categories)
    assert (job["counts"]["credited"], job["counts"]["duplicate"]) == (2, 1), job
    expected = 6 * int(cat["plastic_bottle"]["coins_per_unit"]) + int(
        2.5 * int(cat["paper"]["coins_per_unit"])
    )
    assert _coins(resident.user_id) == expected


def test_given_number_bound_after_the_file_then_its_pending_row_is_credited(
    api, upload, register, make_partner
):
    operator = make_partner("transport_operator")
    card = _number("LNT")
    job = upload(operator, "transit_trips", f"card,month,trips\n{card},{LAST_MONTH},20\n")
    assert job["counts"]["pending"] == 1
    rider = register()
    _bind(api, rider, transit_card=card)
    f = _factor("transit_trip", f"{LAST_MONTH}-01")
    assert _coins(rider.user_id) == (20 - int(f.baseline_units)) * int(f.coins_per_unit)


def test_given_a_plate_nobody_had_bound_then_its_month_still_counts_for_the_next_file(
    api, upload, register, make_partner
):
    estate = make_partner("property_manager")
    plate = "粤B" + secrets.token_hex(3).upper()[:5]
    first_of_last = datetime.strptime(f"{LAST_MONTH}-01", "%Y-%m-%d")
    before = (first_of_last - timedelta(days=1)).strftime("%Y-%m")
    first = upload(estate, "car_trips", f"plate,month,days_out\n{plate},{before},20\n")
    assert first["counts"]["pending"] == 1  # nobody has bound the plate yet
    driver = register()
    _bind(api, driver, car_plate=plate, daily_km=10)

    second = upload(estate, "car_trips", f"plate,month,days_out\n{plate},{LAST_MONTH},12\n")

    f = _factor("car_free_day", f"{LAST_MONTH}-01")
    assert second["counts"]["credited"] == 1, second
    assert _coins(driver.user_id) == 8 * int(f.coins_per_unit)
