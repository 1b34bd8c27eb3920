"""Partner files over the moto server: upload → S3 notification → SQS → ImportFunction → wallets.

Every test drives the real path: the file lands in the upload bucket, moto notifies the upload
queue, the dispatcher hands the messages to the function as Lambda's poller would.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from unittest import mock

import boto3
import pytest
import urllib3
from tanhui.claims import factors, keys
from tanhui.imports import credit, jobs
from tanhui.imports import report as import_report
from tanhui.models.behaviour import BehaviourRecord
from tanhui.models.imports import ImportJob
from tanhui.models.wallet import Wallet

from tests.factories import make_asset, static
from tests.support import import_file


@pytest.fixture(scope="module", autouse=True)
def _ready(aws):
    factors.seed_defaults()



def _coins(user_id: str) -> int:
    return int(Wallet.get(*Wallet.key(user_id), consistent_read=True).coins)


def _start(api, partner, file_type: str, filename: str = "file.csv") -> dict:
    reply = api.post("/v1/partner/imports", {"type": file_type, "filename": filename}, as_=partner)
    assert reply.status == 201, reply.body
    return reply.body


def _post_file(created: dict, data: bytes, **changed: str) -> int:
    """Uploads as a partner's browser or curl does: the presigned form (`changed`: fields a
    forger rewrites), then the file."""
    upload = created["upload"]
    fields = dict(upload["fields"]) | changed | {"file": ("file.csv", data, "text/csv")}
    return urllib3.request("POST", upload["url"], fields=fields).status


def _quarantined(aws, key: str) -> tuple[str, str] | None:
    """(reason code, the version it was) of the object moved to quarantine/ from `key`, once it is
    gone from there; None if it is not quarantined."""
    s3, bucket = boto3.client("s3"), aws.env["UPLOAD_BUCKET"]
    try:
        head = s3.head_object(Bucket=bucket, Key=f"quarantine/{key}")
    except s3.exceptions.ClientError:
        return None
    versions = s3.list_object_versions(Bucket=bucket, Prefix=key).get("Versions") or []
    moved = head["Metadata"]["source-version"]
    assert moved not in [v["VersionId"] for v in versions if v["Key"] == key], "still under partners/"
    return head["Metadata"]["reason-code"], moved


def _import(api, dispatcher, partner, file_type: str, data: bytes) -> dict:
    return import_file(api, dispatcher, partner, file_type, data)


def _night(days_ago: int) -> str:
    return (datetime.now(UTC) + timedelta(hours=8) - timedelta(days=days_ago)).date().isoformat()


def _stays(
    *rows: tuple[str, str, str, int],
    encoding: str = "utf-8",
    newline: str = "\n",
    header: str = "guest,room,check_in,nights",
) -> bytes:
    lines = [header, *(f"{g},{r},{c},{n}" for g, r, c, n in rows)]
    return (newline.join(lines) + newline).encode(encoding)


def _spaced(phone: str) -> str:
    """+8613912345678 as a front desk types it: 139 1234 5678."""
    local = phone.removeprefix("+86")
    return f"{local[:3]} {local[3:7]} {local[7:]}"


# --------------------------------------------------------------------------------- credits
def test_given_a_room_added_right_after_a_file_then_the_next_file_finds_it(
    api, dispatcher, register, make_partner
):
    hotel = make_partner("hotel")
    make_asset(hotel.partner_id, "hotel_room", attributes={"room_number": "101"})
    guest = register()
    first = _import(api, dispatcher, hotel, "hotel_stays", _stays((guest.phone, "101", _night(12), 1)))
    make_asset(hotel.partner_id, "hotel_room", attributes={"room_number": "102"})  # within the cache age

    second = _import(api, dispatcher, hotel, "hotel_stays", _stays((guest.phone, "102", _night(11), 1)))

    assert first["counts"]["credited"] == second["counts"]["credited"] == 1, second


def test_given_gbk_stays_file_when_uploaded_then_nights_credited_once_and_report_counts(
    api, dispatcher, register, make_partner
):
    hotel = make_partner("hotel")
    room = make_asset(hotel.partner_id, "hotel_room", attributes={"room_number": "808"})
    other_hotel_room = make_asset(
        make_partner("hotel").partner_id, "hotel_room", attributes={"room_number": "909"}
    )
    guest = register("张三")
    data = _stays(
        (_spaced(guest.phone), "808", _night(10), 2),
        ("+8613700000000", "808", _night(10), 1),  # nobody registered: pending
        (guest.phone, other_hotel_room.asset_id, _night(20), 1),  # another hotel's room
        (guest.phone, "808", "not-a-date", 1),
        encoding="gbk",
        newline="\r\n",
        header="手机号,房号,入住日期,晚数",  # what a front desk's Excel saves
    )

    job = _import(api, dispatcher, hotel, "hotel_stays", data)

    assert job["status"] == "completed", job
    assert job["counts"] == {
        "rows": 4,
        "credited": 1,
        "duplicate": 0,
        "pending": 1,
        "unmatched": 0,
        "invalid": 2,
        "over_quota": 0,
        "no_reduction": 0,
    }
    night = factors.factor_for("hotel_low_carbon_night", f"{_night(10)}T12:00:00.000Z")
    assert job["coins"] == 2 * int(night.coins_per_unit) == _coins(guest.user_id)
    record = BehaviourRecord.get(*BehaviourRecord.key(keys.hotel_night(guest.user_id, _night(10))))
    assert (record.channel, record.asset_id, record.evidence["row"]) == ("import", room.asset_id, 2)
    got = urllib3.request("GET", job["rejects_url"])
    raw = got.data
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: Excel opens it
    saved_as = f'attachment; filename="{job["import_id"]}-rejected_rows.csv"'
    assert got.headers["Content-Disposition"] == saved_as
    rejects = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rejects[0] == ["手机号", "房号", "入住日期", "晚数", "原因", "reason"]  # the partner's own + why
    assert [r[:5] for r in rejects[1:]] == [
        ["+8613700000000", "808", _night(10), "1", "第 3 行 " + import_report.ZH["not_registered"]],
        [
            guest.phone,
            other_hotel_room.asset_id,
            _night(20),
            "1",
            f'第 4 行「房号」列 "{other_hotel_room.asset_id}" 不是本酒店登记的房间',
        ],
        [
            guest.phone,
            "808",
            "not-a-date",
            "1",
            '第 5 行「入住日期」列 "not-a-date" 不是日期（应写作 2026-11-03 或 2026/11/3）',
        ],
    ]
    english = 'Row 5, column "入住日期": "not-a-date" is not a date like 2026-11-03 or 2026/11/3'
    assert rejects[3][5] == english
    report = json.loads(urllib3.request("GET", job["report_url"]).data)
    assert report["counts"] == job["counts"] and report["encoding"] == "gb18030"


def test_given_night_scanned_when_file_reports_it_then_duplicate_and_the_reverse_replays_the_scan(
    api, dispatcher, register, make_partner
):
    hotel = make_partner("hotel")
    room = make_asset(hotel.partner_id, "hotel_room", attributes={"room_number": "101"})
    scanned, filed = register(), register()
    assert api.post("/v1/claims", {"code": static(room)}, as_=scanned).status == 201
    tonight = keys.night_of(datetime.now(UTC))

    job = _import(
        api,
        dispatcher,
        hotel,
        "hotel_stays",
        _stays((scanned.phone, "101", tonight, 1), (filed.phone, "101", tonight, 1)),
    )

    assert (job["counts"]["credited"], job["counts"]["duplicate"]) == (1, 1), job
    again = api.post("/v1/claims", {"code": static(room)}, as_=filed)
    assert again.status == 200 and again.body["already_credited"] is True  # the file's night
    assert _coins(scanned.user_id) == _coins(filed.user_id) == 2


def test_given_same_file_uploaded_twice_then_second_credits_nothing(api, dispatcher, register, make_partner):
    hotel = make_partner("hotel")
    make_asset(hotel.partner_id, "hotel_room", attributes={"room_number": "202"})
    guest = register()
    data = _stays((guest.phone, "202", _night(3), 3))

    first = _import(api, dispatcher, hotel, "hotel_stays", data)
    second = _import(api, dispatcher, hotel, "hotel_stays", data)

    assert first["counts"]["credited"] == 1 and first["coins"] == 6
    assert second["counts"]["duplicate"] == 1 and second["coins"] == 0
    assert _coins(guest.user_id) == 6


def test_given_file_copied_into_a_partners_folder_by_hand_then_quarantined_not_imported(
    aws, api, dispatcher, register, make_partner
):
    hotel = make_partner("hotel")
    make_asset(hotel.partner_id, "hotel_room", attributes={"room_number": "303"})
    guest = register()
    key = f"partners/{hotel.partner_id}/hotel_stays/十一月 stays.csv"  # URL-encoded in the event
    s3 = boto3.client("s3")
    put = s3.put_object(
        Bucket=aws.env["UPLOAD_BUCKET"], Key=key, Body=_stays((guest.phone, "303", _night(5), 1))
    )
    dispatcher.drain()

    assert jobs.on_upload(key.replace(" ", "+"), put.get("VersionId")) == "ignored"  # moved already
    assert api.get("/v1/partner/imports", as_=hotel).body["items"] == []
    assert _coins(guest.user_id) == 0
    assert _quarantined(aws, key) == ("upload_unknown", put["VersionId"])


# --------------------------------------------------------------------------- exactly once
def test_given_crash_after_some_rows_when_range_redelivered_then_counts_exact_and_no_double_credit(
    api, dispatcher, register, make_partner
):
    hotel = make_partner("hotel")
    make_asset(hotel.partner_id, "hotel_room", attributes={"room_number": "404"})
    guests = [register() for _ in range(6)]
    created = _start(api, hotel, "hotel_stays")
    real_send, sent = credit._send, []

    def crash_after_two(group, quota, at):
        if len(sent) == 2:
            raise RuntimeError("the container died")
        sent.append(group)
        return real_send(group, quota, at)

    with mock.patch.object(jobs, "BLOCK_ROWS", 1), mock.patch.object(credit, "_send", crash_after_two):
        _post_file(created, _stays(*((g.phone, "404", _night(7), 1) for g in guests)))
        dispatcher.drain()  # the range fails: its message returns to the queue
    job = ImportJob.get(*ImportJob.key(hotel.partner_id, created["import_id"]), consistent_read=True)
    assert job.status == "processing" and int(job.credited) == 0
    assert sum(_coins(g.user_id) for g in guests) == 4  # two rows made it before the crash

    jobs.process_range(hotel.partner_id, created["import_id"], 0)  # the redelivery
    jobs.process_range(hotel.partner_id, created["import_id"], 0)  # and one more, for luck

    job = api.get(f"/v1/partner/imports/{created['import_id']}", as_=hotel).body
    assert (job["status"], job["counts"]["rows"], job["counts"]["credited"], job["coins"]) == (
        "completed",
        6,
        6,
        12,
    )
    assert [_coins(g.user_id) for g in guests] == [2] * 6


def test_given_big_file_then_split_into_ranges_and_completed_by_the_last_one(
    api, dispatcher, register, make_partner
):
    hotel = make_partner("hotel")
    make_asset(hotel.partner_id, "hotel_room", attributes={"room_number": "505"})
    guests = [register() for _ in range(3)]
    rows = [(guests[i % 3].phone, "505", _night(40 + i), 1) for i in range(25)]
    with mock.patch.object(jobs, "ROWS_PER_RANGE", 4):
        job = _import(api, dispatcher, hotel, "hotel_stays", _stays(*rows))
    assert job["ranges_total"] == 7 and job["ranges_done"] == 7 and job["status"] == "completed"
    assert job["counts"]["credited"] == 25 and sum(_coins(g.user_id) for g in guests) == 50


# ------------------------------------------------------------------- rows beyond a row's limits
def test_given_json_lines_with_a_5000_digit_number_and_deep_nesting_then_only_those_rows_rejected(
    api, dispatcher, register, make_partner
):
    """The attack run's file (issue 21): before, the range failed on every delivery and the import
    stayed `processing` for hours; now the two lines are rejected rows with their reasons."""
    hotel = make_partner("hotel")
    make_asset(hotel.partner_id, "hotel_room", attributes={"room_number": "616"})
    first, second = register(), register()

    def line(phone: str, nights: str, days_ago: int, extra: str = "") -> str:
        stay = f'"guest": "{phone}", "room": "616", "check_in": "{_night(days_ago)}", "nights": {nights}'
        return "{" + stay + extra + "}"

    data = "\n".join(
        [
            line(first.phone, "1", 8),
            line(first.phone, "7" * 5000, 9),  # int("7" * 5000) raises ValueError (4,300 digits)
            line(first.phone, "1", 10, ', "备注": ' + "[" * 50_000 + "]" * 50_000),  # RecursionError
            line(second.phone, "NaN", 8),
            line(second.phone, "2", 8),
            "",
        ]
    ).encode()

    job = _import(api, dispatcher, hotel, "hotel_stays", data)

    assert (job["status"], job["counts"]["rows"], job["counts"]["credited"], job["counts"]["invalid"]) == (
        "completed",
        5,
        2,
        3,
    ), job
    assert job["reasons"] == {"number_too_long": 1, "nested_too_deep": 1, "number_not_finite": 1}
    assert _coins(first.user_id) == 2 and _coins(second.user_id) == 4
    text = urllib3.request("GET", job["rejects_url"]).data.decode("utf-8-sig")
    assert [r[-2:] for r in list(csv.reader(io.StringIO(text)))[1:]] == [
        [
            "第 2 行 这一行有一个 5,000 位的数字：最多读 64 位",
            "Row 2: a number on the line has 5,000 characters; at most 64 are read",
        ],
        [
            "第 3 行 这一行的对象或数组嵌套超过 8 层：每行应是一个扁平的对象",
            "Row 3: the line nests objects or arrays more than 8 deep; a row is one flat object",
        ],
        ["第 4 行 NaN 不是有限的数字", "Row 4: NaN is not a finite number"],
    ]


def test_given_a_row_whose_value_no_check_foresaw_then_it_is_unreadable_and_the_file_goes_on(
    api, dispatcher, register, make_partner
):
    hotel = make_partner("hotel")
    make_asset(hotel.partner_id, "hotel_room", attributes={"room_number": "626"})
    guest = register()
    real = jobs.formats.parse_row

    def parse(file_type, fields):  # as int() of a 5,000-digit text did, before the JSON limits
        if fields.get("nights") == "13":
            raise ValueError("Exceeds the limit (4300 digits) for integer string conversion")
        return real(file_type, fields)

    with mock.patch.object(jobs.formats, "parse_row", parse):
        job = _import(
            api,
            dispatcher,
            hotel,
            "hotel_stays",
            _stays((guest.phone, "626", _night(5), 13), (guest.phone, "626", _night(3), 1)),
        )

    outcome = (job["status"], job["counts"]["credited"], job["reasons"])
    assert outcome == ("completed", 1, {"unreadable_row": 1}), job


# ----------------------------------------------------------------------------- quarantine
@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"guest,room,when\n+8613800138000,1,2026-01-01\n", "bad_header"),
        ("guest,room,check_in,nights\n张三,1,2026-01-01,1\n".encode("utf-16"), "undecodable"),
        (b"guest,room,check_in,nights\n", "empty_file"),
    ],
)
def test_given_bad_file_then_quarantined_with_report(api, dispatcher, make_partner, data, code):
    hotel = make_partner("hotel")
    job = _import(api, dispatcher, hotel, "hotel_stays", data)
    assert (job["status"], job["reason_code"]) == ("quarantined", code), job
    assert json.loads(urllib3.request("GET", job["report_url"]).data)["reason_code"] == code


def test_given_an_object_no_upload_record_names_then_it_is_quarantined(aws, api, dispatcher, make_partner):
    hotel = make_partner("hotel")
    created = _start(api, hotel, "hotel_stays")
    s3, bucket = boto3.client("s3"), aws.env["UPLOAD_BUCKET"]
    keys = [
        f"partners/{hotel.partner_id}/bird_counts/x.csv",  # no such type
        f"partners/{hotel.partner_id}/hotel_stays/{'0' * 26}/x.csv",  # no such import
        created["object_key"].replace("/file.csv", "/other.csv"),  # its import, another name
        f"partners/{hotel.partner_id}/loose.csv",  # no type folder
    ]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"guest,room,check_in,nights\n")
    dispatcher.drain()

    assert [_quarantined(aws, key)[0] for key in keys] == ["upload_unknown"] * 4
    [job] = api.get("/v1/partner/imports", as_=hotel).body["items"]
    assert (job["import_id"], job["status"]) == (created["import_id"], "awaiting_upload")  # still usable
    # the import's own objects elsewhere are never taken for uploads (the bucket does not notify)
    report = f"reports/{hotel.partner_id}/{created['import_id']}/report.json"
    s3.put_object(Bucket=bucket, Key=report, Body=b"{}")
    assert jobs.on_upload(report, None) == "ignored"
    assert s3.head_object(Bucket=bucket, Key=report)["ContentLength"] == 2


# --------------------------------------------------------------------- pending and quota
def test_given_row_for_unregistered_phone_when_they_register_then_credited(
    api, dispatcher, register, make_partner
):
    from tests.support import unique_phone

    hotel = make_partner("hotel")
    make_asset(hotel.partner_id, "hotel_room", attributes={"room_number": "606"})
    phone = unique_phone()
    job = _import(api, dispatcher, hotel, "hotel_stays", _stays((phone, "606", _night(2), 2)))
    assert job["counts"]["pending"] == 1

    reply = api.post(
        "/v1/auth/register",
        {
            "phone": phone,
            "password": "green-trip-2026",
            "display_name": "晚到",
            "consent": {"version": "2026-11", "accepted": True},
        },
    )
    assert reply.status == 201, reply.body
    assert _coins(reply.body["user_id"]) == 4
    ledger = api.get("/v1/me/ledger", as_=_login(api, phone)).body["items"]
    assert {e["evidence"]["import_id"] for e in ledger} == {job["import_id"]}


def _login(api, phone):
    from tests.support import login

    return login(api, phone, "green-trip-2026")


def test_given_monthly_quota_then_rows_beyond_it_are_over_quota(
    api, admin, dispatcher, register, make_partner
):
    hotel = make_partner("hotel")
    make_asset(hotel.partner_id, "hotel_room", attributes={"room_number": "707"})
    set_quota = api.put(f"/v1/admin/partners/{hotel.partner_id}/quota", {"monthly_coins": 5}, as_=admin)
    assert set_quota.status == 200 and set_quota.body["monthly_coins"] == 5
    guests = [register() for _ in range(4)]

    job = _import(
        api, dispatcher, hotel, "hotel_stays", _stays(*((g.phone, "707", _night(1), 1) for g in guests))
    )

    assert (job["counts"]["credited"], job["counts"]["over_quota"], job["coins"]) == (2, 2, 4), job
    assert sum(_coins(g.user_id) for g in guests) == 4


# ----------------------------------------------------------------------- who may do what
def test_given_partner_role_then_only_its_file_types(api, make_partner):
    shop = make_partner("merchant")
    reply = api.post("/v1/partner/imports", {"type": "hotel_stays", "filename": "x.csv"}, as_=shop)
    assert (reply.status, reply.error_code) == (403, "import_type_not_allowed")


def test_given_file_under_another_partners_import_key_then_ignored(aws, api, dispatcher, make_partner):
    a, b = make_partner("hotel"), make_partner("hotel")
    created = _start(api, a, "hotel_stays")
    forged = created["object_key"].replace(f"partners/{a.partner_id}/", f"partners/{b.partner_id}/")
    boto3.client("s3").put_object(
        Bucket=aws.env["UPLOAD_BUCKET"], Key=forged, Body=b"guest,room,check_in,nights\n"
    )
    dispatcher.drain()
    assert api.get("/v1/partner/imports", as_=b).body["items"] == []
    assert api.get(f"/v1/partner/imports/{created['import_id']}", as_=b).status == 404
    job = api.get(f"/v1/partner/imports/{created['import_id']}", as_=a).body
    assert job["status"] == "awaiting_upload"
    assert _quarantined(aws, forged)[0] == "upload_unknown"


def test_given_a_hotel_rewrites_its_forms_key_into_another_hotels_folder_then_nothing_is_credited(
    aws, api, dispatcher, register, make_partner
):
    """The attack run's upload (issue 21): moto does not enforce the presigned POST's policy, so a
    hotel could post its form with the key of a file in another hotel's folder; that file was
    imported and credited as the other hotel's. Only the upload record the API wrote counts."""
    attacker, victim = make_partner("hotel"), make_partner("hotel")
    make_asset(victim.partner_id, "hotel_room", attributes={"room_number": "707"})
    guest = register()
    created = _start(api, attacker, "hotel_stays")
    data = _stays((guest.phone, "707", _night(4), 3))
    for key in (
        f"partners/{victim.partner_id}/hotel_stays/stays.csv",
        f"partners/{victim.partner_id}/hotel_stays/{created['import_id']}/file.csv",
    ):
        assert _post_file(created, data, key=key) in (200, 201, 204)  # moto takes any key
        dispatcher.drain()

        assert api.get("/v1/partner/imports", as_=victim).body["items"] == []
        assert _coins(guest.user_id) == 0
        assert _quarantined(aws, key)[0] == "upload_unknown"
    job = api.get(f"/v1/partner/imports/{created['import_id']}", as_=attacker).body
    assert job["status"] == "awaiting_upload"


def test_given_an_upload_beyond_its_records_limits_then_quarantined_and_its_import_says_why(
    aws, api, dispatcher, register, make_partner
):
    hotel = make_partner("hotel")
    make_asset(hotel.partner_id, "hotel_room", attributes={"room_number": "717"})
    guest = register()
    data = _stays((guest.phone, "717", _night(4), 1))

    def refused(change, request: dict | None = None, **fields: str) -> dict:
        reply = api.post(
            "/v1/partner/imports", {"type": "hotel_stays", "filename": "f.csv", **(request or {})}, as_=hotel
        )
        created = reply.body
        item = ImportJob.get(*ImportJob.key(hotel.partner_id, created["import_id"]))
        change(item)
        assert _post_file(created, data, **fields) in (200, 201, 204)
        dispatcher.drain()
        assert _quarantined(aws, created["object_key"]) is not None
        return api.get(f"/v1/partner/imports/{created['import_id']}", as_=hotel).body

    def smaller(item):  # moto ignores the policy's content-length-range: the record holds it
        item.update(actions=[ImportJob.upload_max_bytes.set(len(data) - 1)])

    def expired(item):
        item.update(actions=[ImportJob.upload_expires_at.set("2026-01-01T00:00:00.000Z")])

    too_large = refused(smaller)
    pdf = {"Content-Type": "application/pdf"}  # the form says text/csv
    wrong_type = refused(lambda item: None, {"content_type": "text/csv"}, **pdf)
    too_late = refused(expired)

    assert [(j["status"], j["reason_code"]) for j in (too_large, wrong_type, too_late)] == [
        ("quarantined", "too_large"),
        ("quarantined", "wrong_content_type"),
        ("quarantined", "upload_expired"),
    ]
    assert too_large["reason"] == f"文件有 {len(data):,} 字节，这次上传最多 {len(data) - 1:,} 字节"
    assert wrong_type["reason"] == "文件的类型是 application/pdf，创建导入时声明的是 text/csv"
    assert json.loads(urllib3.request("GET", too_late["report_url"]).data)["reason_code"] == "upload_expired"
    assert _coins(guest.user_id) == 0


def test_given_a_second_file_posted_with_a_used_form_then_it_is_quarantined_and_the_import_stands(
    aws, api, dispatcher, register, make_partner
):
    hotel = make_partner("hotel")
    make_asset(hotel.partner_id, "hotel_room", attributes={"room_number": "727"})
    first, second = register(), register()
    created = _start(api, hotel, "hotel_stays")
    assert _post_file(created, _stays((first.phone, "727", _night(4), 1))) in (200, 201, 204)
    dispatcher.drain()
    assert _post_file(created, _stays((second.phone, "727", _night(4), 1))) in (200, 201, 204)
    dispatcher.drain()

    job = api.get(f"/v1/partner/imports/{created['import_id']}", as_=hotel).body
    assert (job["status"], job["counts"]["credited"]) == ("completed", 1)
    assert (_coins(first.user_id), _coins(second.user_id)) == (2, 0)
    assert _quarantined(aws, created["object_key"])[0] == "upload_used"
    kept = boto3.client("s3").head_object(Bucket=aws.env["UPLOAD_BUCKET"], Key=created["object_key"])
    item = ImportJob.get(*ImportJob.key(hotel.partner_id, created["import_id"]))
    assert kept["VersionId"] == item.object_version  # the file imported stays where it was


def test_given_presigned_upload_then_policy_confines_key_and_size(api, make_partner):
    import base64

    hotel = make_partner("hotel")
    created = _start(api, hotel, "hotel_stays", "../../etc/passwd")
    assert created["object_key"].startswith(
        f"partners/{hotel.partner_id}/hotel_stays/{created['import_id']}/"
    )
    assert created["object_key"].endswith("/passwd")
    policy = json.loads(base64.b64decode(created["upload"]["fields"]["policy"]))
    assert {"key": created["object_key"]} in policy["conditions"]
    assert ["content-length-range", 1, created["upload"]["max_bytes"]] in policy["conditions"]


def test_given_a_file_that_fails_on_every_delivery_then_its_import_is_failed_not_left_processing(
    api, make_partner, monkeypatch
):
    from tanhui import sqs

    from tests.factories import function

    hotel = make_partner("hotel")
    created = _start(api, hotel, "hotel_stays")
    assert _post_file(created, _stays(("+8613700000001", "1", _night(1), 1))) in (200, 201, 204)

    def broken(*_args, **_kwargs):
        raise RuntimeError("S3 went away mid-file")

    monkeypatch.setattr(jobs.formats, "survey", broken)
    imports = function("ImportFunction")
    notice = {
        "Records": [
            {
                "eventName": "ObjectCreated:Post",
                "s3": {"bucket": {"name": "b"}, "object": {"key": created["object_key"], "size": 1}},
            }
        ]
    }
    for receive in range(1, sqs.UPLOAD_QUEUE.max_receives + 1):
        event = {
            "Records": [
                {
                    "messageId": f"m{receive}",
                    "receiptHandle": "r",
                    "body": json.dumps(notice),
                    "attributes": {"ApproximateReceiveCount": str(receive)},
                    "messageAttributes": {},
                    "md5OfBody": "",
                    "eventSource": "aws:sqs",
                    "eventSourceARN": "arn",
                    "awsRegion": "us-east-1",
                }
            ]
        }
        reply = imports.invoke(event)  # reported failed: delivered again, then dead-lettered
        assert reply == {"batchItemFailures": [{"itemIdentifier": f"m{receive}"}]}
    job = api.get(f"/v1/partner/imports/{created['import_id']}", as_=hotel).body
    assert (job["status"], job["reason_code"]) == ("failed", "processing_failed"), job
