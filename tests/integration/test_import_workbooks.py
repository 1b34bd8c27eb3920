"""Excel workbooks through the real upload path: presigned POST → S3 notification → SQS →
ImportFunction converts the workbook to `…/<import id>/converted.csv` → the same ranges as a CSV."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta

import boto3
import pytest
import urllib3
from tanhui.claims import factors
from tanhui.models.imports import ImportJob
from tanhui.models.wallet import Wallet

from tests.data.make_workbooks import write_xls, write_xlsx
from tests.factories import make_asset
from tests.support import import_file

WRITERS = {"xlsx": write_xlsx, "xls": write_xls}


@pytest.fixture(scope="module", autouse=True)
def _ready(aws):
    factors.seed_defaults()


def _day(days_ago: int) -> date:
    return (datetime.now(UTC) + timedelta(hours=8) - timedelta(days=days_ago)).date()


def _upload(api, dispatcher, partner, filename: str, data: bytes, **extra) -> dict:
    return import_file(api, dispatcher, partner, "hotel_stays", data, filename,
                       "application/octet-stream", **extra)


def _coins(user_id: str) -> int:
    return int(Wallet.get(*Wallet.key(user_id), consistent_read=True).coins)


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_given_a_workbook_with_phones_and_days_stored_as_numbers_then_credited_as_its_csv(
    api, dispatcher, register, make_partner, tmp_path, fmt
):
    hotel = make_partner("hotel")
    make_asset(hotel.partner_id, "hotel_room", attributes={"room_number": "808"})
    guests = [register(), register()]
    stays = [(int(g.phone.removeprefix("+86")), 808, _day(5 + n), 1 + n) for n, g in enumerate(guests)]
    rows = [["手机号", "房号", "入住日期", "晚数"], *([p, r, d, n] for p, r, d, n in stays)]
    rows.append([13700000000, 808, _day(3), 1])  # nobody registered: pending
    path = WRITERS[fmt](tmp_path / f"stays.{fmt}", {"Sheet1": rows})

    job = _upload(api, dispatcher, hotel, path.name, path.read_bytes())

    assert job["status"] == "completed", job
    assert (job["counts"]["rows"], job["counts"]["credited"], job["counts"]["pending"]) == (3, 2, 1), job
    night = factors.factor_for("hotel_low_carbon_night", f"{_day(5).isoformat()}T12:00:00.000Z")
    assert [_coins(g.user_id) for g in guests] == [int(night.coins_per_unit), 2 * int(night.coins_per_unit)]
    item = ImportJob.get(*ImportJob.key(hotel.partner_id, job["import_id"]), consistent_read=True)
    assert (item.source_format, item.sheet) == (fmt, "Sheet1")
    assert item.converted_key == job["object_key"].rsplit("/", 1)[0] + "/converted.csv"
    assert item.numeric_columns == ["手机号", "房号", "晚数"]
    converted = (
        boto3.client("s3")
        .get_object(Bucket=api_bucket(), Key=item.converted_key, VersionId=item.converted_version)["Body"]
        .read()
        .decode("utf-8")
    )
    assert converted.splitlines()[1] == f"{stays[0][0]},808,{_day(5).isoformat()},1"


def api_bucket() -> str:
    import os

    return os.environ["UPLOAD_BUCKET"]


def test_given_a_clerks_workbook_then_the_same_outcome_as_the_csv_excel_saves_of_it(
    api, dispatcher, register, make_partner, tmp_path
):
    from tests.data.make_workbooks import hotel_stays

    hotel = make_partner("hotel")
    make_asset(hotel.partner_id, "hotel_room", attributes={"room_number": "909"})
    guest = register()
    rows = hotel_stays([(int(guest.phone.removeprefix("+86")), 909, _day(8), 2)], _day(0))
    path = write_xlsx(tmp_path / "明细.xlsx", {"入住明细": rows})
    as_workbook = _upload(api, dispatcher, hotel, path.name, path.read_bytes())
    item = ImportJob.get(*ImportJob.key(hotel.partner_id, as_workbook["import_id"]), consistent_read=True)
    csv_bytes = boto3.client("s3").get_object(Bucket=api_bucket(), Key=item.converted_key)["Body"].read()

    as_csv = _upload(api, dispatcher, hotel, "明细.csv", csv_bytes)  # the same rows again, as CSV

    assert (as_workbook["status"], as_csv["status"]) == ("completed", "completed"), (as_workbook, as_csv)
    first, second = as_workbook["counts"], as_csv["counts"]
    assert (first["rows"], first["credited"], second["rows"], second["duplicate"]) == (1, 1, 1, 1)
    assert as_workbook["skipped_rows"] == as_csv["skipped_rows"] == 1
    assert as_workbook["ignored_columns"] == as_csv["ignored_columns"] == ["序号", "姓名", "备注"]


@pytest.mark.parametrize(
    ("sheet", "data", "code"),
    [
        ("明细", None, "sheet_not_found"),
        (None, b"PK\x03\x04" + b"\x00" * 300, "workbook_unreadable"),
        (
            None,
            bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 64 + "EncryptedPackage".encode("utf-16-le"),
            "workbook_encrypted",
        ),
    ],
    ids=["no such sheet", "corrupt", "password-protected"],
)
def test_given_a_bad_workbook_then_quarantined_with_its_code_not_stuck(
    api, dispatcher, make_partner, tmp_path, sheet, data, code
):
    hotel = make_partner("hotel")
    if data is None:
        data = write_xlsx(
            tmp_path / "s.xlsx", {"Sheet1": [["手机号", "房号", "入住日期", "晚数"]]}
        ).read_bytes()
    job = _upload(api, dispatcher, hotel, "s.xlsx", data, **({"sheet": sheet} if sheet else {}))
    assert (job["status"], job["reason_code"]) == ("quarantined", code), job
    assert "\u4e00" <= job["reason"][0] <= "\u9fff", job["reason"]  # Chinese first
    assert json.loads(urllib3.request("GET", job["report_url"]).data)["reason_code"] == code


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"filename": "stays.pdf"}, 422),
        ({"filename": "stays.xlsx", "content_type": "application/pdf"}, 422),
        ({"filename": "stays.XLS"}, 201),
        ({"filename": "stays.jsonl"}, 201),
    ],
)
def test_given_a_declared_file_then_refused_before_the_upload_unless_csv_jsonl_or_workbook(
    api, make_partner, body, status
):
    hotel = make_partner("hotel")
    reply = api.post("/v1/partner/imports", {"type": "hotel_stays", **body}, as_=hotel)
    assert reply.status == status, reply.body
    if status == 422:
        assert reply.error_code == "unsupported_import_file"


def test_given_a_declared_content_type_then_the_policy_holds_it_and_the_size_limit(api, make_partner):
    hotel = make_partner("hotel")
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    reply = api.post(
        "/v1/partner/imports", {"type": "hotel_stays", "filename": "a.xlsx", "content_type": xlsx}, as_=hotel
    )
    assert reply.status == 201, reply.body
    upload = reply.body["upload"]
    policy = json.loads(base64.b64decode(upload["fields"]["policy"]))
    assert {"Content-Type": xlsx} in policy["conditions"] and upload["fields"]["Content-Type"] == xlsx
    assert ["content-length-range", 1, upload["max_bytes"]] in policy["conditions"]


def test_given_a_workbook_then_imported_once_and_its_csv_neither_imported_nor_quarantined(
    aws, api, dispatcher, register, make_partner, tmp_path
):
    from tanhui.imports import jobs

    hotel = make_partner("hotel")
    make_asset(hotel.partner_id, "hotel_room", attributes={"room_number": "505"})
    guest = register()
    rows = [["手机号", "房号", "入住日期", "晚数"], [int(guest.phone.removeprefix("+86")), 505, _day(4), 1]]
    path = write_xlsx(tmp_path / "stays.xlsx", {"Sheet1": rows})

    job = _upload(api, dispatcher, hotel, "stays.xlsx", path.read_bytes())

    listed = api.get("/v1/partner/imports", as_=hotel).body["items"]
    assert [j["import_id"] for j in listed] == [job["import_id"]]  # the converted CSV is no import
    assert (job["status"], job["counts"]["credited"]) == ("completed", 1), job
    item = ImportJob.get(*ImportJob.key(hotel.partner_id, job["import_id"]), consistent_read=True)
    converted = f"partners/{hotel.partner_id}/hotel_stays/{job['import_id']}/converted.csv"
    assert item.converted_key == converted
    s3 = boto3.client("s3")
    assert s3.head_object(Bucket=api_bucket(), Key=converted)["VersionId"] == item.converted_version
    # its notification read before the import saved where the CSV is (Lambdas in parallel): still its own
    item.update(actions=[ImportJob.converted_key.remove()])
    assert jobs.on_upload(converted, None) == "ignored"
    assert s3.list_objects_v2(Bucket=api_bucket(), Prefix=f"quarantine/{converted}").get("KeyCount") == 0
