"""Over HTTP on the stack `make run` starts, with its demo data: codes (issue 3) and claims (issue 4)."""

from __future__ import annotations

import csv
import io
import urllib.request

from tanhui.codes import keyring, token

from tests.e2e import remote
from tests.support import decode_png, unique_phone


def login(http, who: dict) -> str:
    status, body, _ = http.post("/v1/auth/login", {"phone": who["phone"], "password": who["password"]})
    assert status == 200, body
    return body["access_token"]


def new_tourist(http) -> str:
    phone = unique_phone()
    status, body, _ = http.post(
        "/v1/auth/register",
        {
            "phone": phone,
            "password": "green-trip-2026",
            "display_name": "游客",
            "consent": {"version": "2026-11", "accepted": True},
        },
    )
    assert status == 201, body
    return body["tokens"]["access_token"]


def test_hotel_registers_a_room_and_gets_its_code_as_png_svg_pdf(http, demo):
    hotel = login(http, demo["partners"]["hotel"]["login"])
    status, room, _ = http.post(
        "/v1/partner/assets", {"kind": "hotel_room", "attributes": {"room_number": "808"}}, token=hotel
    )
    assert status == 201, room
    status, code, _ = http.get(f"/v1/partner/assets/{room['asset_id']}/code", token=hotel)
    assert status == 200
    status, png, headers = http.get(code["png"], token=hotel)
    assert status == 200 and headers["Content-Type"] == "image/png"
    url = decode_png(png)
    assert url == code["url"]
    scanned = token.parse_scanned(url).token
    if not remote.remote():  # the verifying key is in the stack's Secrets Manager
        assert token.verify(scanned, keyring.verifying_key).asset_id == room["asset_id"]
    status, svg, headers = http.get(code["svg"], token=hotel)
    assert status == 200 and headers["Content-Type"] == "image/svg+xml" and b"<svg" in svg
    status, pdf, headers = http.get(code["pdf"], token=hotel)
    assert status == 200 and pdf.startswith(b"%PDF")


def test_manufacturer_10k_print_batch_finishes_with_csv_and_pdf_sheets(http, demo, settle):
    maker = login(http, demo["partners"]["manufacturer"]["login"])
    sku = demo["assets"]["product_sku"]["asset_id"]
    status, batch, _ = http.post("/v1/partner/code-batches", {"asset_id": sku, "count": 10_000}, token=maker)
    assert status == 202, batch
    status, done, _ = settle(lambda: http.get(f"/v1/partner/code-batches/{batch['batch_id']}", token=maker),
                             lambda got: got[1].get("status") not in ("pending", "running"))
    assert status == 200 and done["status"] == "done", done
    assert done["codes_done"] == 10_000 and len(done["files"]) == 2
    code_ids: set[str] = set()
    for f in done["files"]:
        with urllib.request.urlopen(f["csv_url"], timeout=30) as resp:  # noqa: S310 - a presigned link
            rows = list(csv.DictReader(io.StringIO(resp.read().decode("utf-8-sig"))))
        code_ids |= {r["code_id"] for r in rows}
        with urllib.request.urlopen(f["pdf_url"], timeout=30) as resp:  # noqa: S310
            assert resp.read(5) == b"%PDF-"
    assert len(code_ids) == 10_000


def test_tourist_scans_demo_hotel_code_and_wallet_shows_2_coins_once(http, demo):
    tourist = new_tourist(http)
    room_url = demo["assets"]["hotel_room"]["codes"][0]["url"]
    status, claim, _ = http.post("/v1/claims", {"code": room_url}, token=tourist)
    assert status == 201, claim
    assert claim["coins"] == 2 and claim["wallet"]["coins"] == 2
    status, again, _ = http.post("/v1/claims", {"code": room_url}, token=tourist)
    assert status == 200 and again["claim_id"] == claim["claim_id"] and again["already_credited"] is True
    status, wallet, _ = http.get("/v1/me/wallet", token=tourist)
    assert status == 200 and wallet["coins"] == 2
    status, ledger, _ = http.get("/v1/me/ledger", token=tourist)
    assert status == 200 and len(ledger["items"]) == 1
    entry = ledger["items"][0]
    assert (
        entry["behaviour"] == "hotel_low_carbon_night" and entry["factor_version"] == claim["factor_version"]
    )
    assert entry["coins"] == 2 and entry["kind"] == "earn"


def test_another_tourist_scanning_someone_elses_ticket_gets_409(http, demo):
    first, second = new_tourist(http), new_tourist(http)
    ticket = demo["assets"]["ticket_product"]["codes"][0]["url"]
    status, claim, _ = http.post("/v1/claims", {"code": ticket}, token=first)
    assert status == 201, claim
    status, body, _ = http.post("/v1/claims", {"code": ticket}, token=second)
    assert status == 409 and body["error"]["code"] == "already_claimed"
