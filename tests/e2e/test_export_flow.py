"""Over HTTP on the stack `make run` starts: a tourist scans and a hotel's file credits them, the
operator's totals grow by exactly their ledger, the operator exports the day, and a buyer of the
reductions downloads the files by their links and checks them with the public verify route
(issue 13)."""

from __future__ import annotations

import hashlib
import json
import urllib.request
from datetime import UTC, datetime, timedelta

import urllib3

from infra.local import seed
from tests.e2e.remote import new_partner
from tests.support import unique_phone


def _login(http, who: dict) -> str:
    status, tokens, _ = http.post("/v1/auth/login", {"phone": who["phone"], "password": who["password"]})
    assert status == 200, tokens
    return tokens["access_token"]


def _hotel_totals(http, token: str, first: str, last: str, hotel_id: str) -> tuple[int, int, int]:
    status, body, _ = http.get(f"/v1/admin/totals?from={first}&to={last}&group_by=partner", token=token)
    assert status == 200, body
    group = next((g for g in body["groups"] if g["key"] == hotel_id), {"gco2e": 0, "coins": 0, "count": 0})
    return group["gco2e"], group["coins"], group["count"]


def _stays_file(http, settle, token: str, phone: str, room_number: str, nights_ago: int) -> dict:
    """The hotel hands in a stays file through its presigned form; the import runs."""
    status, created, _ = http.post("/v1/partner/imports", {"type": "hotel_stays", "filename": "stays.csv"},
                                   token=token)
    assert status == 201, created
    check_in = (datetime.now(UTC) + timedelta(hours=8) - timedelta(days=nights_ago)).date().isoformat()
    text = f"手机号,房号,入住日期,晚数\n{phone},{room_number},{check_in},2\n"
    upload = created["upload"]
    fields = dict(upload["fields"]) | {"file": ("stays.csv", text.encode(), "text/csv")}
    assert urllib3.request("POST", upload["url"], fields=fields).status in (200, 201, 204)
    status, job, _ = settle(lambda: http.get(f"/v1/partner/imports/{created['import_id']}", token=token),
                            lambda got: got[1].get("status") not in ("awaiting_upload", "processing"))
    assert status == 200 and job["counts"]["credited"] == 1, job  # one row of two nights
    return job


def test_scan_and_import_then_totals_then_export_download_and_verify_the_sha256s_over_http(
    settle, http, demo
):
    admin = _login(http, demo["admin"])
    # a hotel of its own: its totals are only this test's (other tests' claims at the demo hotel may
    # still be on their way through the stream of a deployed stack)
    hotel = new_partner(http, admin, "export hotel", "hotel")
    hotel_token = _login(http, hotel["login"])
    room_number = seed.DEMO_ASSETS["hotel"]["attributes"]["room_number"]
    status, room, _ = http.post("/v1/partner/assets", seed.DEMO_ASSETS["hotel"], token=hotel_token)
    assert status == 201, room
    status, code, _ = http.get(f"/v1/partner/assets/{room['asset_id']}/code", token=hotel_token)
    assert status == 200, code
    local_today = datetime.now(UTC) + timedelta(hours=8)
    first, last = (local_today - timedelta(days=6)).date().isoformat(), local_today.date().isoformat()
    totals = lambda: _hotel_totals(http, admin, first, last, hotel["partner_id"])  # noqa: E731
    before = totals()
    phone = unique_phone()
    status, registered, _ = http.post("/v1/auth/register", {
        "phone": phone, "password": "green-trip-2026", "display_name": "小林",
        "consent": {"version": "2026-11", "accepted": True}})
    assert status == 201, registered
    tourist = registered["tokens"]["access_token"]
    status, claimed, _ = http.post("/v1/claims", {"code": code["url"]}, token=tourist)
    assert status in (200, 201), claimed
    _stays_file(http, settle, hotel_token, phone, room_number, 5)

    status, ledger, _ = http.get("/v1/me/ledger", token=tourist)
    assert status == 200 and len(ledger["items"]) == 3, ledger  # tonight, and two nights from the file
    grown = (sum(e["gco2e"] for e in ledger["items"]), sum(e["coins"] for e in ledger["items"]), 3)
    # the aggregator follows the stream (`make run` and a deployed stack in the background)
    after = settle(totals, lambda now: tuple(a - b for a, b in zip(now, before, strict=True)) == grown)
    assert tuple(a - b for a, b in zip(after, before, strict=True)) == grown
    tokens = {"access_token": admin}
    today = datetime.now(UTC).date().isoformat()

    status, started, _ = http.post("/v1/admin/exports", {"from": today, "to": today},
                                   token=tokens["access_token"])
    assert status == 202 and started["status"] == "pending", started
    status, export, _ = settle(  # `make run` and a deployed stack work the export queue in the background
        lambda: http.get(f"/v1/admin/exports/{started['export_id']}", token=tokens["access_token"]),
        lambda got: got[1].get("status") not in ("pending", "running"))
    assert status == 200 and export["status"] == "completed", export

    downloaded = {}
    for f in export["files"]:
        with urllib.request.urlopen(f["url"], timeout=10) as reply:  # noqa: S310 - a presigned link
            downloaded[f["name"]] = reply.read()
    lines = [json.loads(x) for x in downloaded["behaviours.jsonl"].decode().splitlines()]
    assert {e["entry_id"] for e in ledger["items"]} <= {line["claim_id"] for line in lines}

    status, verified, _ = http.get(f"/v1/verify/exports/{export['export_id']}")  # no token
    assert status == 200, verified
    assert {f["name"]: f["sha256"] for f in verified["files"]} == {
        name: hashlib.sha256(data).hexdigest() for name, data in downloaded.items()}
    assert verified["manifest_ok"] is True and verified["chain_ok"] is True
    assert registered["user_id"] not in json.dumps(verified)
    csv_sha = hashlib.sha256(downloaded["behaviours.csv"]).hexdigest()
    query = f"file=behaviours.csv&sha256={csv_sha}"
    status, checked, _ = http.get(f"/v1/verify/exports/{export['export_id']}?{query}")
    assert status == 200 and checked["check"]["matches"] is True, checked
