"""Over HTTP on the stack `make run` starts, with its demo data: a tourist earns at the demo hotel,
spends the coins on the demo merchant's seeded offer, and the merchant takes the voucher at the till."""

from __future__ import annotations

import uuid

from tests.e2e.test_codes_and_claims_flow import login, new_tourist


def test_tourist_earns_at_the_hotel_redeems_the_seeded_offer_and_the_cafe_consumes_its_qr_url(http, demo):
    tourist = new_tourist(http)
    room_url = demo["assets"]["hotel_room"]["codes"][0]["url"]
    status, claim, _ = http.post("/v1/claims", {"code": room_url}, token=tourist)
    assert (status, claim["coins"]) == (201, 2), claim

    offer_id = demo["offer"]["offer_id"]
    key = {"Idempotency-Key": str(uuid.uuid4())}
    status, voucher, _ = http.post("/v1/redemptions", {"offer_id": offer_id}, token=tourist, headers=key)
    assert status == 201, voucher
    status, again, _ = http.post("/v1/redemptions", {"offer_id": offer_id}, token=tourist, headers=key)
    assert (status, again) == (200, voucher)
    assert voucher["code"].startswith("HTTPS://QR.TANHUI.CN/Q/")

    cafe = login(http, demo["partners"]["merchant"]["login"])
    status, taken, _ = http.post("/v1/partner/vouchers/consume", {"code": voucher["code"]}, token=cafe)
    assert status == 200, taken
    assert (taken["voucher_id"], taken["title"], taken["display_name"]) == (
        voucher["voucher_id"], demo["offer"]["title"], "游客")
    status, twice, _ = http.post("/v1/partner/vouchers/consume", {"code": voucher["code"]}, token=cafe)
    assert (status, twice["error"]["code"]) == (409, "voucher_used")

    _, ledger, _ = http.get("/v1/me/ledger?limit=20", token=tourist)
    assert [(e["kind"], e["coins"]) for e in ledger["items"]] == [("spend", -2), ("earn", 2)]  # newest first
    _, wallet, _ = http.get("/v1/me/wallet", token=tourist)
    assert wallet["coins"] == sum(e["coins"] for e in ledger["items"]) == 0
    _, mine, _ = http.get("/v1/me/vouchers", token=tourist)
    assert [(v["voucher_id"], v["status"]) for v in mine["items"]] == [(voucher["voucher_id"], "consumed")]
