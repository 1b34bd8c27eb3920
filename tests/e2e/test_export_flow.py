"""Over HTTP on the stack `make run` starts: a tourist scans, the operator exports the day, a
buyer of the reductions downloads the files by their links and checks them with the public verify
route (issue 13)."""

from __future__ import annotations

import hashlib
import json
import urllib.request
from datetime import UTC, datetime

from tests.support import unique_phone


def test_scan_export_download_and_verify_the_sha256s_over_http(local_stack, http, demo):
    status, registered, _ = http.post("/v1/auth/register", {
        "phone": unique_phone(), "password": "green-trip-2026", "display_name": "小林",
        "consent": {"version": "2026-11", "accepted": True}})
    assert status == 201, registered
    room_url = demo["assets"]["hotel_room"]["codes"][0]["url"]
    tourist = registered["tokens"]["access_token"]
    status, claimed, _ = http.post("/v1/claims", {"code": room_url}, token=tourist)
    assert status in (200, 201), claimed
    admin = demo["admin"]
    status, tokens, _ = http.post("/v1/auth/login", {"phone": admin["phone"], "password": admin["password"]})
    assert status == 200, tokens
    today = datetime.now(UTC).date().isoformat()

    status, started, _ = http.post("/v1/admin/exports", {"from": today, "to": today},
                                   token=tokens["access_token"])
    assert status == 202 and started["status"] == "pending", started
    local_stack.dispatcher.drain()  # `make run` polls the export queue in the background
    status, export, _ = http.get(f"/v1/admin/exports/{started['export_id']}", token=tokens["access_token"])
    assert status == 200 and export["status"] == "completed", export

    downloaded = {}
    for f in export["files"]:
        with urllib.request.urlopen(f["url"], timeout=10) as reply:  # noqa: S310 - moto on loopback
            downloaded[f["name"]] = reply.read()
    lines = [json.loads(x) for x in downloaded["behaviours.jsonl"].decode().splitlines()]
    assert claimed["claim_id"] in {line["claim_id"] for line in lines}

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
