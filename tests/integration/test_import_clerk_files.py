"""Partner files as clerks make them (tests/data/): a title block above the header, Chinese headers
with extra columns, a 合计 row, GBK; one file per type with its commonest Chinese headers. Each
asserts the exact credits, pendings and rejects, the rejects file's own rows with their Chinese
reasons. "Today" is 2026-11-30 (Asia/Shanghai), so the window of 90 days starts 2026-09-01.

The numbers a file names (phones, cards, accounts, plates, GTINs) are replaced by this run's own,
byte for byte in the file's own form, since the moto state lives for the whole session.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
from datetime import date
from pathlib import Path

import pytest
import urllib3
from tanhui.claims import factors, keys
from tanhui.codes.token import gtin_check_digit_ok
from tanhui.imports import report, window
from tanhui.models.behaviour import BehaviourRecord
from tanhui.models.wallet import Wallet

from tests.support import import_file, unique_phone

DATA = Path(__file__).resolve().parents[1] / "data"
TODAY = date(2026, 11, 30)
FUTURE = "晚于今天（2026-11-30，北京时间）：只接受今天及之前 90 天内的行为，发生后再上传"
TOO_OLD = "早于 90 天前（2026-09-01 之前）：只接受最近 90 天内的行为"
PENDING = report.ZH["not_registered"]


@pytest.fixture(scope="module", autouse=True)
def _ready(aws):
    factors.seed_defaults()


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(window, "local_today", lambda: TODAY)


def _file(name: str, **numbers: str) -> bytes:
    """A file of tests/data with its numbers replaced: {as in the file: this run's}."""
    data = (DATA / name).read_bytes()
    for old, new in numbers.items():
        assert old.encode("ascii") in data, old
        data = data.replace(old.encode("ascii"), new.encode("ascii"))
    return data


def _import(api, dispatcher, partner, file_type: str, data: bytes, name: str = "file.csv") -> dict:
    return import_file(api, dispatcher, partner, file_type, data, name)


def _rejects(job: dict) -> list[list[str]]:
    raw = urllib3.request("GET", job["rejects_url"]).data
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: Excel opens it as such
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def _counts(**given: int) -> dict[str, int]:
    names = ("rows", "credited", "duplicate", "pending", "unmatched", "invalid", "over_quota", "no_reduction")
    return {n: given.get(n, 0) for n in names}


def _coins(user_id: str) -> int:
    return int(Wallet.get(*Wallet.key(user_id), consistent_read=True).coins)


def _local(phone: str, sep: str = " ") -> str:
    """+8613912345678 as a clerk types it: 139 1234 5678 (or with dashes)."""
    local = phone.removeprefix("+86")
    return sep.join((local[:3], local[3:7], local[7:]))


def _digits(n: int) -> str:
    return str(secrets.randbelow(10**n)).zfill(n)


def _gtin13() -> str:
    body = "69" + _digits(10)
    for check in "0123456789":
        if gtin_check_digit_ok(body + check):
            return body + check
    raise AssertionError(body)


def _bind(api, who, **numbers) -> None:
    reply = api.put("/v1/me/bindings", numbers, as_=who)
    assert reply.status == 200, reply.body


def _factor(behaviour: str, day: str):
    return factors.factor_for(behaviour, f"{day}T04:00:00.000Z")


# ------------------------------------------------------------------------------ hotel stays
def test_given_a_front_desk_export_in_gbk_then_title_extras_and_total_skipped_and_each_row_reported(
    api, dispatcher, register, make_partner
):
    hotel = make_partner("hotel")
    for number in ("1208", "1209"):
        assert api.post(
            "/v1/partner/assets", {"kind": "hotel_room", "attributes": {"room_number": number}}, as_=hotel
        ).status == 201
    guest, nobody = register("林小姐"), unique_phone()
    data = _file(
        "hotel_stays_front_desk_gbk.csv",
        **{"138 0013 8000": _local(guest.phone), "137-0000-0000": _local(nobody, "-")},
    )

    job = _import(api, dispatcher, hotel, "hotel_stays", data, "十一月入住明细.csv")

    assert job["status"] == "completed", job
    assert job["counts"] == _counts(rows=6, credited=1, pending=1, invalid=4)
    assert job["reasons"] == {
        "not_registered": 1, "invalid_value": 1, "asset_not_found": 1, "future_date": 1, "too_old": 1
    }
    night = _factor("hotel_low_carbon_night", "2026-11-20")
    assert job["coins"] == 2 * int(night.coins_per_unit) == _coins(guest.user_id)  # 11/20 to 11/22
    assert job["ignored_columns"] == ["序号", "姓名", "房型", "备注"] and job["skipped_rows"] == 1
    assert job["notes"] == [
        "这些列没有用到，已忽略：「序号」、「姓名」、「房型」、「备注」",
        "表头上方的 2 行（标题、导出时间等）已跳过",
    ]
    rejects = _rejects(job)
    own = ["序号", "姓名", "手机号码", "房间号", "到店日期", "离店日期", "房型", "备注"]
    assert rejects[0] == [*own, "原因", "reason"]
    assert [r[:9] for r in rejects[1:]] == [
        ["2", "王先生", _local(nobody, "-"), "1208", "2026/11/23", "2026/11/24", "大床房", "未注册",
         f"第 6 行 {PENDING}"],
        ["3", "陈女士", "1380013800", "1209", "2026/11/24", "2026/11/25", "双床房", "号码少一位",
         '第 7 行「手机号码」列 "1380013800" 不是 11 位手机号，也不是用户 ID'],
        ["4", "林小姐", _local(guest.phone), "1210", "2026/11/25", "2026/11/26", "套房", "",
         '第 8 行「房间号」列 "1210" 不是本酒店登记的房间'],
        ["5", "林小姐", _local(guest.phone), "1208", "2027/1/5", "2027/1/7", "大床房", "提前预订",
         f'第 9 行「到店日期」列 "2027/1/5" {FUTURE}'],
        ["6", "林小姐", _local(guest.phone), "1208", "2026/6/1", "2026/6/2", "大床房", "补录",
         f'第 10 行「到店日期」列 "2026/6/1" {TOO_OLD}'],
    ]
    assert rejects[3][9] == 'Row 8, column "房间号": "1210" is not one of this hotel\'s rooms.'


def test_given_accept_language_en_then_the_import_speaks_english(api, dispatcher, make_partner):
    hotel = make_partner("hotel")
    text = "导出时间：2026-11-30\r\n序号,手机号,房号,入住日期\r\n1,13800138000,1208,2026-11-20\r\n"
    data = text.encode("gbk")
    job = _import(api, dispatcher, hotel, "hotel_stays", data)
    assert (job["status"], job["reason_code"]) == ("quarantined", "bad_header")
    assert job["reason"].startswith("需要「入住天数」或「离店日期」列")

    english = api.get(
        f"/v1/partner/imports/{job['import_id']}", as_=hotel, headers={"accept-language": "en-GB,en;q=0.9"}
    ).body
    assert english["reason"].startswith("one of the columns nights or check_out is needed")
    listed = api.get("/v1/partner/imports", as_=hotel, headers={"accept-language": "en"}).body["items"]
    assert listed[0]["reason"] == english["reason"]
    report = json.loads(urllib3.request("GET", job["report_url"]).data)
    assert (report["reason"], report["reason_en"]) == (job["reason"], english["reason"])


# ----------------------------------------------------------------------------- every type
def test_given_a_shops_sales_then_the_product_is_found_by_gtin_whoever_made_it_and_counts_for_them(
    api, admin, dispatcher, register, make_partner
):
    maker, shop = make_partner("manufacturer"), make_partner("merchant")
    gtin, nobodys = _gtin13(), _gtin13()
    made = api.post(
        "/v1/partner/assets",
        {"kind": "product_sku", "attributes": {"sku": "BC-1", "gtin": gtin, "product_name": "竹纤维水杯"}},
        as_=maker,
    )
    assert made.status == 201, made.body
    buyer = register()
    data = _file(
        "product_sales_shop.csv",
        **{"6901234567892": gtin, "6900000000007": nobodys, "13800138000": buyer.phone[3:]},
    )

    job = _import(api, dispatcher, shop, "product_sales", data)

    sale = _factor("product_sale_record", "2026-11-28")
    assert job["counts"] == _counts(rows=2, credited=1, invalid=1), job
    assert job["coins"] == 2 * int(sale.coins_per_unit) == _coins(buyer.user_id)
    assert job["skipped_rows"] == 1 and job["ignored_columns"] == ["商品名称"]
    record = BehaviourRecord.get(*BehaviourRecord.key(keys.product_sale(shop.partner_id, "R-0001", "1")))
    assert (record.partner_id, record.evidence["sold_by"]) == (maker.partner_id, shop.partner_id)
    [reject] = _rejects(job)[1:]
    assert reject[-2] == f'第 3 行「商品条码」列 "{nobodys}" 没有哪家生产企业登记过这个商品条码'

    # the manufacturer's quota counts a shop's sale of its product
    api.put(f"/v1/admin/partners/{maker.partner_id}/quota", {"monthly_coins": 0}, as_=admin)
    again = _import(api, dispatcher, shop, "product_sales", data.replace(b"R-0001", b"R-0003"))
    assert again["counts"]["over_quota"] == 1, again


def test_given_a_gtin_two_manufacturers_registered_then_a_shops_sale_of_it_counts_for_neither(
    api, dispatcher, register, make_partner
):
    maker, squatter = make_partner("manufacturer"), make_partner("manufacturer")
    shop = make_partner("merchant")
    gtin, nobodys = _gtin13(), _gtin13()
    for partner, sku in ((maker, "BC-1"), (squatter, "COPY-1")):
        made = api.post(
            "/v1/partner/assets",
            {"kind": "product_sku", "attributes": {"sku": sku, "gtin": gtin, "product_name": "竹纤维水杯"}},
            as_=partner,
        )
        assert made.status == 201, made.body
    buyer = register()
    data = _file(
        "product_sales_shop.csv",
        **{"6901234567892": gtin, "6900000000007": nobodys, "13800138000": buyer.phone[3:]},
    )

    job = _import(api, dispatcher, shop, "product_sales", data)

    assert job["counts"] == _counts(rows=2, invalid=2), job
    assert job["reasons"] == {"gtin_ambiguous": 1, "asset_not_found": 1} and _coins(buyer.user_id) == 0
    assert _rejects(job)[1][-2] == (
        f'第 2 行「商品条码」列 "{gtin}" 被多家生产企业登记，无法确定是谁的产品：请联系平台运营方核实'
    )


def test_given_a_scenic_spots_adoptions_then_the_phone_column_wins_over_the_adopters_name(
    api, dispatcher, register, make_partner
):
    spot = make_partner("scenic_spot")
    adopter = register()
    job = _import(
        api, dispatcher, spot, "plant_adoptions",
        _file("plant_adoptions_scenic_spot.csv", **{"139 0000 1111": _local(adopter.phone)}),
    )
    assert job["counts"] == _counts(rows=2, credited=1, invalid=1), job
    assert job["ignored_columns"] == ["序号", "认养人"]
    assert _coins(adopter.user_id) == int(_factor("plant_adoption", "2026-11-03").coins_per_unit)
    assert [r[-2] for r in _rejects(job)[1:]] == [f'第 3 行「认养日期」列 "2026/12/25" {FUTURE}']


def test_given_a_transit_operators_month_then_trips_above_the_baseline_and_the_window(
    api, dispatcher, register, make_partner
):
    operator = make_partner("transport_operator")
    rider, few = register(), register()
    cards = {f"YCT000000000{i}": "YCT" + _digits(10) for i in range(1, 5)}
    _bind(api, rider, transit_card=cards["YCT0000000001"])
    _bind(api, few, transit_card=cards["YCT0000000002"])

    data = _file("transit_trips_operator_gbk.csv", **cards)
    job = _import(api, dispatcher, operator, "transit_trips", data)

    f = _factor("transit_trip", "2026-10-01")
    baseline = int(f.baseline_units)
    assert job["counts"] == _counts(rows=5, credited=1, pending=1, invalid=2, no_reduction=1), job
    assert _coins(rider.user_id) == (26 - baseline) * int(f.coins_per_unit)
    assert job["skipped_rows"] == 1 and job["ignored_columns"] == ["持卡人"]
    assert [r[-2] for r in _rejects(job)[1:]] == [
        f'第 4 行「乘车次数」列 "9" 次未超过每月 {baseline} 次的基准，没有减排',
        f"第 5 行 {PENDING}",
        f'第 6 行「统计月份」列 "2026-12" {FUTURE}',
        f'第 7 行「统计月份」列 "2026-07" {TOO_OLD}',
    ]


def test_given_a_water_bill_export_then_accounts_keep_their_leading_zeros(
    api, dispatcher, register, make_partner
):
    utility = make_partner("utility")
    home = register()
    water, power, gas = "00" + _digits(8), "00" + _digits(8), "00" + _digits(8)
    _bind(api, home, water_account=water, electricity_account=power)

    job = _import(
        api, dispatcher, utility, "utility_savings",
        _file(
            "utility_savings_water_bill.csv",
            **{"0012345678": water, "0087654321": power, "0099999999": gas},
        ),
    )

    assert job["counts"] == _counts(rows=3, credited=1, pending=1, no_reduction=1), job
    per = factors.plain(_factor("utility_saving", "2026-10-01").categories)["water"]
    assert _coins(home.user_id) == int(3 * int(per["coins_per_unit"]))
    assert [r[-2] for r in _rejects(job)[1:]] == [
        '第 3 行「本期用量」列 "220" 未低于用量标准，没有减排',
        f"第 4 行 {PENDING}",
    ]


def test_given_an_estates_gate_records_then_fewer_days_out_earn(api, dispatcher, register, make_partner):
    estate = make_partner("property_manager")
    driver = register()
    tail = "B" + secrets.token_hex(3).upper()[:5]
    _bind(api, driver, car_plate="粤" + tail, daily_km=20)

    job = _import(api, dispatcher, estate, "car_trips", _file("car_trips_estate_gbk.csv", B12345=tail))

    f = _factor("car_free_day", "2026-10-01")
    assert job["counts"] == _counts(rows=2, credited=1, no_reduction=1), job
    assert _coins(driver.user_id) == 5 * int(f.coins_per_unit)
    assert job["notes"][-1] == "表头上方的 1 行（标题、导出时间等）已跳过"
    assert [r[-2] for r in _rejects(job)[1:]] == [
        '第 4 行「本月出行天数」列 "8" 天不少于上月的 8 天，没有减排'
    ]


def test_given_a_sorting_machines_drops_then_each_category_by_its_unit(
    api, dispatcher, register, make_partner
):
    recycler = make_partner("recycler")
    resident = register()
    card = "GZ" + _digits(10)
    _bind(api, resident, sorting_card=card)

    job = _import(
        api, dispatcher, recycler, "waste_sorting", _file("waste_sorting_machine.csv", GZ0000000001=card)
    )

    cat = factors.plain(_factor("waste_sorting", "2026-11-28").categories)
    assert job["counts"] == _counts(rows=3, credited=2, invalid=1), job
    assert job["skipped_rows"] == 1
    assert _coins(resident.user_id) == 6 * int(cat["plastic_bottle"]["coins_per_unit"]) + int(
        2.5 * int(cat["paper"]["coins_per_unit"])
    )
    assert [r[-2] for r in _rejects(job)[1:]] == ["第 4 行 塑料瓶按个数计：填数量，重量留空"]
