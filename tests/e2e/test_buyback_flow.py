"""Over HTTP on the stack `make run` starts, with its demo data: a tourist earns at the demo hotel
(2 coins for the night) and sells them into the seeded buyback round; the operator opens a second
round, sees a tourist refused beyond what they earned, closes it and exports its payouts file."""

from __future__ import annotations

import csv
import hashlib
import io
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta

from tests.e2e.test_codes_and_claims_flow import login, new_tourist


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as reply:  # noqa: S310 - a presigned link
        return reply.read()


def test_tourist_sells_hotel_night_coins_and_the_operator_pays_the_round_out(http, demo):
    tourist = new_tourist(http)
    room_url = demo["assets"]["hotel_room"]["codes"][0]["url"]
    status, claim, _ = http.post("/v1/claims", {"code": room_url}, token=tourist)
    assert (status, claim["coins"]) == (201, 2), claim

    seeded = demo["buyback"]["round_id"]
    _, open_rounds, _ = http.get("/v1/buyback-rounds", token=tourist)
    mine = next(r for r in open_rounds["items"] if r["round_id"] == seeded)
    assert (mine["eligible_coins"], mine["max_offer_coins"], mine["price_fen"]) == (2, 2, 5), mine
    key = {"Idempotency-Key": str(uuid.uuid4())}
    path = f"/v1/buyback-rounds/{seeded}/offers"
    status, offer, _ = http.post(path, {"coins": 2}, token=tourist, headers=key)
    assert (status, offer["amount_fen"]) == (201, 10), offer
    status, again, _ = http.post(path, {"coins": 2}, token=tourist, headers=key)
    assert (status, again) == (200, offer)
    _, ledger, _ = http.get("/v1/me/ledger?limit=20", token=tourist)
    assert [(e["kind"], e["coins"]) for e in ledger["items"]] == [("buyback", -2), ("earn", 2)]
    _, wallet, _ = http.get("/v1/me/wallet", token=tourist)
    assert wallet["coins"] == 0

    admin = login(http, demo["admin"])
    at = lambda days: (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    body = {"title_zh": "端到端回购", "title_en": "End-to-end buyback", "price_fen": 8, "budget_fen": 800,
            "opens_at": at(-1), "closes_at": at(1), "behaviours": ["hotel_low_carbon_night"]}
    status, made, _ = http.post("/v1/admin/buyback-rounds", body, token=admin)
    assert status == 201, made
    rid = made["round_id"]
    status, refused, _ = http.post(f"/v1/buyback-rounds/{rid}/offers", {"coins": 1}, token=tourist,
                                   headers={"Idempotency-Key": str(uuid.uuid4())})
    assert (status, refused["error"]["code"]) == (409, "insufficient_coins"), refused  # all sold already
    second = new_tourist(http)
    status, _, _ = http.post("/v1/claims", {"code": room_url}, token=second)
    assert status == 201
    status, sold, _ = http.post(f"/v1/buyback-rounds/{rid}/offers", {"coins": 2}, token=second,
                                headers={"Idempotency-Key": str(uuid.uuid4())})
    assert status == 201, sold

    status, closed, _ = http.post(f"/v1/admin/buyback-rounds/{rid}/close", token=admin)
    assert (status, closed["status"], closed["sold_fen"]) == (200, "closed", 16), closed
    status, late, _ = http.post(f"/v1/buyback-rounds/{rid}/offers", {"coins": 1}, token=second,
                                headers={"Idempotency-Key": str(uuid.uuid4())})
    assert (status, late["error"]["code"]) == (409, "buyback_round_closed")
    status, payout, _ = http.post(f"/v1/admin/buyback-rounds/{rid}/payouts", token=admin)
    assert (status, payout["rows"], payout["amount_fen"]) == (201, 1, 16), payout
    data = _fetch(payout["file_url"])
    assert hashlib.sha256(data).hexdigest() == payout["file_sha256"]
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1] == [sold["reference"], "2", "16", "1"]
    assert hashlib.sha256(_fetch(payout["manifest_url"])).hexdigest() == payout["manifest_sha256"]
