"""Over HTTP on the stack `make run` starts: a hotel hands in a GBK stays file with curl (issue 8)."""

from __future__ import annotations

import secrets
import subprocess
import urllib.request
from datetime import UTC, datetime, timedelta

from tests.support import unique_phone


def _token(http, phone: str, password: str) -> str:
    status, body, _ = http.post("/v1/auth/login", {"phone": phone, "password": password})
    assert status == 200, body
    return body["access_token"]


def _until_done(settle, http, token: str, import_id: str) -> dict:
    """The dispatcher delivers the notification and the ranges (`make run` and a deployed stack do
    it in the background; here it is drained), then the import says it is done."""
    status, job, _ = settle(lambda: http.get(f"/v1/partner/imports/{import_id}", token=token),
                            lambda got: got[1].get("status") not in ("awaiting_upload", "processing"))
    assert status == 200, job
    return job


def test_hotel_posts_a_gbk_stays_file_with_curl_and_the_guests_wallet_grows(settle, http, demo, tmp_path):
    hotel = demo["partners"]["hotel"]["login"]
    hotel_token = _token(http, hotel["phone"], hotel["password"])
    room_number = f"E2E-{secrets.token_hex(2).upper()}"
    status, room, _ = http.post(
        "/v1/partner/assets",
        {"kind": "hotel_room", "attributes": {"room_number": room_number}},
        token=hotel_token,
    )
    assert status == 201, room
    phone = unique_phone()
    status, registered, _ = http.post(
        "/v1/auth/register",
        {
            "phone": phone,
            "password": "green-trip-2026",
            "display_name": "住客",
            "consent": {"version": "2026-11", "accepted": True},
        },
    )
    assert status == 201, registered
    guest_token = registered["tokens"]["access_token"]
    check_in = (datetime.now(UTC) + timedelta(hours=8) - timedelta(days=4)).date().strftime("%Y/%m/%d")
    local = phone.removeprefix("+86")
    stays = tmp_path / "十一月住宿.csv"
    stays.write_bytes(
        (
            "手机号,房号,入住日期,晚数\r\n"
            f"{local[:3]} {local[3:7]} {local[7:]},{room_number},{check_in},2\r\n"
            f"13700000000,{room_number},{check_in},1\r\n"
        ).encode("gbk")
    )

    status, created, _ = http.post(
        "/v1/partner/imports", {"type": "hotel_stays", "filename": stays.name}, token=hotel_token
    )
    assert status == 201, created
    form = [arg for name, value in created["upload"]["fields"].items() for arg in ("-F", f"{name}={value}")]
    curl = subprocess.run(
        [
            "curl",
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            *form,
            "-F",
            f"file=@{stays}",
            created["upload"]["url"],
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert curl.stdout in ("200", "201", "204"), (curl.stdout, curl.stderr)

    job = _until_done(settle, http, hotel_token, created["import_id"])

    assert job["status"] == "completed", job
    counts = job["counts"]
    assert (counts["rows"], counts["credited"], counts["pending"]) == (2, 1, 1), counts
    status, wallet, _ = http.get("/v1/me/wallet", token=guest_token)
    assert status == 200 and wallet["coins"] == job["coins"] == 4, wallet
    with urllib.request.urlopen(job["report_url"], timeout=10) as reply:  # noqa: S310 - a presigned link
        assert b'"credited": 1' in reply.read()
    status, listed, _ = http.get("/v1/partner/imports", token=hotel_token)
    assert listed["items"][0]["import_id"] == created["import_id"]
