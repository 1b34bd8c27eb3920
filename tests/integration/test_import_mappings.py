"""A partner's own mapping, once: POST /v1/partner/imports/preview reads a file's first rows as its
type would (header row below a title block, each column's field and samples, what is missing) and
writes nothing; PUT /v1/partner/import-mappings/{type} saves the partner's header texts → fields
(refused 422 with a stable code when a field is unknown, mapped twice or missing); every later file
whose header row holds those texts is read by them."""

from __future__ import annotations

import base64
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from tanhui.claims import factors
from tanhui.models.wallet import Wallet

from tests.factories import make_asset
from tests.support import import_file

ODD = {"住客电话": "guest", "客房": "room", "来店日": "check_in", "住几晚": "nights", "备注": None}


@pytest.fixture(scope="module", autouse=True)
def _ready(aws):
    factors.seed_defaults()


def _night(days_ago: int) -> str:
    return (datetime.now(UTC) + timedelta(hours=8) - timedelta(days=days_ago)).date().isoformat()


def _local(phone: str) -> str:
    local = phone.removeprefix("+86")
    return f"{local[:3]} {local[3:7]} {local[7:]}"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _odd_file(rows: list[tuple[str, str, str, int]]) -> bytes:
    """A front desk's own export: a title block, its own headers, a 备注 and a 合计 row, GBK."""
    lines = ["晨曦酒店入住明细", "导出时间：2026-11-30 09:00,,,,,", "序号,住客电话,客房,来店日,住几晚,备注"]
    lines += [f"{n},{g},{r},{d},{k}," for n, (g, r, d, k) in enumerate(rows, start=1)]
    lines.append(f"合计,,,,{sum(k for *_, k in rows)},")
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


def _import(api, dispatcher, partner, data: bytes, name: str = "stays.csv") -> dict:
    return import_file(api, dispatcher, partner, "hotel_stays", data, name)


def _coins(user_id: str) -> int:
    return int(Wallet.get(*Wallet.key(user_id), consistent_read=True).coins)


def _night_coins(day: str) -> int:
    return int(factors.factor_for("hotel_low_carbon_night", f"{day}T12:00:00.000Z").coins_per_unit)


# ------------------------------------------------------------------------------------ preview
def test_given_chinese_headers_below_a_title_block_then_preview_maps_them_with_samples_and_writes_nothing(
    api, make_partner
):
    hotel = make_partner("hotel")
    data = (
        "酒店入住明细表\r\n导出时间：2026-11-30,,,,,\r\n"
        "序号,手机号码,房号,入住日期,离店日期,备注\r\n"
        "1,138 0013 8000,1208,2026/11/20,2026/11/22,\r\n2,13700000000,1209,2026/11/21,2026/11/22,VIP\r\n"
        "合计,,,,,\r\n"
    ).encode("gbk")

    reply = api.post(
        "/v1/partner/imports/preview", {"type": "hotel_stays", "content_base64": _b64(data)}, as_=hotel
    )

    assert reply.status == 200, reply.body
    p = reply.body
    assert (p["encoding"], p["format"], p["source_format"]) == ("gb18030", "csv", "csv")
    assert (p["title_rows"], p["header_row"], p["rows_sampled"]) == (2, 3, 2)
    assert [(c["header"], c["field"], c["by"]) for c in p["columns"]] == [
        ("序号", None, None),
        ("手机号码", "guest", "names"),
        ("房号", "room", "names"),
        ("入住日期", "check_in", "names"),
        ("离店日期", "check_out", "names"),
        ("备注", None, None),
    ]
    assert p["columns"][1]["samples"] == ["138 0013 8000", "13700000000"]
    assert p["columns"][5]["samples"] == ["VIP"]
    assert (p["complete"], p["missing"], p["missing_one_of"], p["mapping_applied"]) == (True, [], [], False)
    assert p["mapping"]["房号"] == "room" and p["mapping"]["序号"] is None
    assert {f["name"] for f in p["fields"]} == {"guest", "room", "check_in", "check_out", "nights"}
    assert api.get("/v1/partner/imports", as_=hotel).body["items"] == []  # nothing written


def test_given_unknown_columns_then_preview_says_what_is_missing(api, make_partner):
    hotel = make_partner("hotel")
    data = _odd_file([("138 0013 8000", "1208", "2026-11-20", 2)])

    p = api.post(
        "/v1/partner/imports/preview", {"type": "hotel_stays", "content_base64": _b64(data)}, as_=hotel
    ).body

    assert p["header_row"] == 3 and p["title_rows"] == 2
    assert p["complete"] is False
    assert p["missing"] == ["guest", "room", "check_in"] and p["missing_one_of"] == [["nights", "check_out"]]
    assert [c["field"] for c in p["columns"]] == [None] * 6
    assert p["columns"][1] == {"header": "住客电话", "field": None, "by": None, "samples": ["138 0013 8000"]}


def test_given_the_first_bytes_of_a_larger_file_then_a_row_cut_off_is_not_sampled(api, make_partner):
    hotel = make_partner("hotel")
    rows = "".join(f"1380013{n:04d},{n},2026-11-20,1\n" for n in range(3000))
    data = ("手机号,房号,入住日期,晚数\n" + rows).encode()[: 40 * 1024]

    p = api.post(
        "/v1/partner/imports/preview", {"type": "hotel_stays", "content_base64": _b64(data)}, as_=hotel
    ).body

    assert p["complete"] is True and p["rows_sampled"] == 50
    assert all(len(s) == 11 for s in p["columns"][0]["samples"])  # no half phone from a cut row


def test_given_a_small_workbook_then_preview_reads_its_sheet(api, make_partner):
    from openpyxl import Workbook

    hotel = make_partner("hotel")
    book = Workbook()
    sheet = book.active
    sheet.title = "十一月"
    sheet.append(["入住明细"])
    sheet.append(["手机号", "房号", "入住日期", "晚数"])
    sheet.append([13800138000, 1208, date(2026, 11, 20), 2])
    out = io.BytesIO()
    book.save(out)

    p = api.post(
        "/v1/partner/imports/preview",
        {"type": "hotel_stays", "content_base64": _b64(out.getvalue())},
        as_=hotel,
    ).body

    assert (p["source_format"], p["sheet"], p["header_row"], p["complete"]) == ("xlsx", "十一月", 2, True)
    assert [c["samples"] for c in p["columns"]] == [["13800138000"], ["1208"], ["2026-11-20"], ["2"]]


def test_given_bad_preview_requests_then_refused_with_stable_codes(api, make_partner, register):
    hotel, shop, tourist = make_partner("hotel"), make_partner("merchant"), register()
    path, ok = "/v1/partner/imports/preview", {"type": "hotel_stays", "content_base64": _b64(b"a,b\n1,2\n")}
    assert api.post(path, ok, as_=tourist).error_code == "forbidden"
    assert (api.post(path, ok, as_=shop).status, api.post(path, ok, as_=shop).error_code) == (
        403, "import_type_not_allowed"
    )
    both = ok | {"import_id": "0" * 26}
    assert (api.post(path, both, as_=hotel).status, api.post(path, both, as_=hotel).error_code) == (
        422, "validation_error"
    )
    not_b64 = {"type": "hotel_stays", "content_base64": "不是base64"}
    assert api.post(path, not_b64, as_=hotel).error_code == "validation_error"
    utf16 = {"type": "hotel_stays", "content_base64": _b64("手机号,房号\n".encode("utf-16"))}
    assert (api.post(path, utf16, as_=hotel).status, api.post(path, utf16, as_=hotel).error_code) == (
        422, "preview_unreadable"
    )
    cut_book = {"type": "hotel_stays", "content_base64": _b64(b"PK\x03\x04" + b"\0" * 30000)}
    assert api.post(path, cut_book, as_=hotel).error_code == "preview_unreadable"
    gone = {"type": "hotel_stays", "import_id": "0" * 26}
    assert (api.post(path, gone, as_=hotel).status, api.post(path, gone, as_=hotel).error_code) == (
        404, "import_not_found"
    )
    started = api.post("/v1/partner/imports", {"type": "hotel_stays", "filename": "x.csv"}, as_=hotel).body
    waiting = {"type": "hotel_stays", "import_id": started["import_id"]}
    assert (api.post(path, waiting, as_=hotel).status, api.post(path, waiting, as_=hotel).error_code) == (
        409, "import_not_uploaded"
    )


# ----------------------------------------------------------------------------------- mappings
@pytest.mark.parametrize(
    "columns, code",
    [
        ({**ODD, "住几晚": "stays"}, "mapping_unknown_field"),
        ({**ODD, "备注": "guest"}, "mapping_field_twice"),
        ({k: v for k, v in ODD.items() if v != "room"}, "mapping_field_missing"),
        ({k: v for k, v in ODD.items() if v != "nights"}, "mapping_field_missing"),  # nights or check_out
        ({**ODD, "住客 电话": None}, "mapping_header_twice"),
    ],
    ids=["unknown", "twice", "required", "one-of", "same-header"],
)
def test_given_an_invalid_mapping_then_422_with_its_code_and_nothing_saved(api, make_partner, columns, code):
    hotel = make_partner("hotel")
    path = "/v1/partner/import-mappings/hotel_stays"

    reply = api.put(path, {"columns": columns}, as_=hotel)

    assert (reply.status, reply.error_code) == (422, code), reply.body
    assert (api.get(path, as_=hotel).status, api.get(path, as_=hotel).error_code) == (
        404, "import_mapping_not_found"
    )


def test_given_a_mapping_body_not_strict_then_validation_error(api, make_partner, register):
    hotel = make_partner("hotel")
    path = "/v1/partner/import-mappings/hotel_stays"
    assert api.put(path, {"columns": {**ODD, "客房": 1}}, as_=hotel).error_code == "validation_error"
    assert api.put(path, {"columns": ODD, "extra": 1}, as_=hotel).error_code == "validation_error"
    assert api.put(path, {"columns": {}}, as_=hotel).error_code == "validation_error"
    assert api.put("/v1/partner/import-mappings/hotel_nights", {"columns": ODD}, as_=hotel).status == 422
    assert api.put(path, {"columns": ODD}, as_=register()).error_code == "forbidden"
    shop = make_partner("merchant")
    assert api.put(path, {"columns": ODD}, as_=shop).error_code == "import_type_not_allowed"


def test_given_a_front_desks_own_headers_then_refused_without_the_mapping_and_credited_exactly_with_it(
    api, dispatcher, register, make_partner
):
    hotel, other = make_partner("hotel"), make_partner("hotel")
    for partner in (hotel, other):
        make_asset(partner.partner_id, "hotel_room", attributes={"room_number": "1208"})
    guest = register()
    day = _night(5)
    data = _odd_file([(_local(guest.phone), "1208", day.replace("-", "/"), 2)])

    refused = _import(api, dispatcher, hotel, data)
    assert (refused["status"], refused["reason_code"]) == ("quarantined", "bad_header"), refused
    assert _coins(guest.user_id) == 0

    # the console previews the refused import, the clerk corrects the proposal and saves it
    proposal = api.post(
        "/v1/partner/imports/preview", {"type": "hotel_stays", "import_id": refused["import_id"]}, as_=hotel
    ).body
    assert proposal["complete"] is False and set(proposal["mapping"]) == {"序号", *ODD}
    saved = api.put(
        "/v1/partner/import-mappings/hotel_stays", {"columns": proposal["mapping"] | ODD}, as_=hotel
    )
    assert saved.status == 200, saved.body
    assert saved.body["columns"] == {"序号": None, **ODD} and saved.body["type"] == "hotel_stays"
    assert api.get("/v1/partner/import-mappings/hotel_stays", as_=hotel).body == saved.body
    again = api.post(
        "/v1/partner/imports/preview", {"type": "hotel_stays", "import_id": refused["import_id"]}, as_=hotel
    ).body
    assert (again["complete"], again["mapping_applied"]) == (True, True)
    assert [c["by"] for c in again["columns"]] == [None, "mapping", "mapping", "mapping", "mapping", None]

    job = _import(api, dispatcher, hotel, data)

    assert job["status"] == "completed", job
    assert (job["counts"]["rows"], job["counts"]["credited"], job["skipped_rows"]) == (1, 1, 1), job
    assert job["ignored_columns"] == ["序号", "备注"]
    nights = _night_coins(day) + _night_coins(_night(4))
    assert job["coins"] == nights == _coins(guest.user_id)
    # another hotel's files are not read by this hotel's mapping
    assert _import(api, dispatcher, other, data)["reason_code"] == "bad_header"


def test_given_a_saved_mapping_then_a_file_without_its_headers_goes_by_the_names(
    api, dispatcher, register, make_partner
):
    hotel = make_partner("hotel")
    make_asset(hotel.partner_id, "hotel_room", attributes={"room_number": "808"})
    assert api.put("/v1/partner/import-mappings/hotel_stays", {"columns": ODD}, as_=hotel).status == 200
    guest = register()
    data = f"手机号,房号,入住日期,晚数\n{guest.phone},808,{_night(3)},1\n".encode()

    job = _import(api, dispatcher, hotel, data)

    assert (job["counts"]["credited"], job["coins"]) == (1, _night_coins(_night(3))), job
