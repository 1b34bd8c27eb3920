"""The registry's routes over the local gateway: the operator issues and transfers, an event's
staff retire, a tourist offsets with coins, anyone checks a retirement and its certificate; roles
before bodies, strict bodies, Idempotency-Key, and Σ issued = Σ held + Σ retired after each step."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime

import pypdfium2 as pdfium
import pytest
from tanhui.models.wallet import Wallet, counter, lot_attribute
from tanhui.wallet import lots

from tests.factories import ledger_record
from tests.integration.registry_support import export, fresh_day, invariant, records_on
from tests.support import pdf_font_problems

ISSUE, TRANSFER = "/v1/admin/registry/issuances", "/v1/admin/registry/transfers"
RATE, OFFSET = "/v1/admin/registry/offset-rate", "/v1/me/offsets"
RETIRE, HOLDER_TRANSFER = "/v1/partner/registry/retirements", "/v1/partner/registry/transfers"
RETIREMENT = {"units": 3, "beneficiary": "2026 碳普惠论坛", "purpose": "会议碳中和 A carbon-neutral forum",
              "emission": {"kind": "event", "description": "论坛两天的场馆与交通排放", "period": "2026-12"}}


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def issue_kg(api, admin, kg: int) -> dict:
    day = fresh_day()
    records_on(day, [1_000] * kg)
    reply = api.post(ISSUE, {"export_id": export(day)}, as_=admin)
    assert reply.status == 201, reply.body
    return reply.body


def give(api, admin, to: str, units: int, **more):
    body = {"from": "PLATFORM", "to": to, "units": units, "reason": "认购 purchase", **more}
    return api.post(TRANSFER, body, as_=admin, headers=key())


def earn(user_id: str, coins: int) -> None:
    ledger_record(user_id, "transit_trip", coins=coins, gco2e=coins * 100, occurred_at=None)
    Wallet(*Wallet.key(user_id)).update(actions=[
        Wallet.coins.add(coins), Wallet.lifetime_coins.add(coins),
        counter(lot_attribute(lots.lot_year(datetime.now(UTC)))).add(coins)])


def test_given_an_export_when_the_operator_issues_then_it_is_listed_and_issued_once(api, admin):
    invariant()
    day = fresh_day()
    records_on(day, [2_600, 900])
    export_id = export(day)
    headers = key()
    first = api.post(ISSUE, {"export_id": export_id}, as_=admin, headers=headers)
    again = api.post(ISSUE, {"export_id": export_id}, as_=admin, headers=headers)
    assert (first.status, again.status) == (201, 200) and first.body == again.body
    assert first.body["gco2e"] == 3_500 and first.body["rows"] == 2
    other = api.post(ISSUE, {"export_id": export_id}, as_=admin)
    assert (other.status, other.error_code) == (409, "registry_nothing_to_issue")
    got = api.get(f"{ISSUE}/{first.body['issuance_id']}", as_=admin)
    assert got.status == 200 and got.body["export_id"] == export_id
    listed = api.get(ISSUE, as_=admin, query={"limit": "5"}).body["items"]
    assert first.body["issuance_id"] in [i["issuance_id"] for i in listed]
    assert api.get(f"{ISSUE}/{'0' * 26}", as_=admin).error_code == "registry_issuance_not_found"
    assert api.post(ISSUE, {"export_id": "0" * 26}, as_=admin).error_code == "export_not_found"
    invariant()


@pytest.mark.parametrize("body", [{}, {"export_id": 5}, {"export_id": "x"},
                                  {"export_id": "0" * 26, "more": 1}])
def test_given_a_bad_issuance_body_then_422(api, admin, body):
    assert api.post(ISSUE, body, as_=admin).status == 422


def test_given_the_loop_then_transfer_retire_certificate_and_public_registry_agree(api, admin, make_partner):
    issue_kg(api, admin, 20)
    event = make_partner("event", "2026 碳普惠论坛组委会")
    moved = give(api, admin, event.partner_id, 5, price_fen=15_000)
    assert moved.status == 201, moved.body
    assert moved.body["units"] == 5 and sum(r["units"] for r in moved.body["ranges"]) == 5
    assert moved.body["price_fen"] == 15_000 and moved.body["created_by_role"] == "admin"
    invariant()
    held = api.get("/v1/partner/registry/account", as_=event).body
    assert held["account"]["held_units"] == 5 and sum(r["units"] for r in held["held"]) == 5
    headers = key()
    retired = api.post(RETIRE, RETIREMENT, as_=event, headers=headers)
    assert retired.status == 201, retired.body
    assert api.post(RETIRE, RETIREMENT, as_=event, headers=headers).body == retired.body  # a retry
    rid = retired.body["retirement_id"]
    invariant()
    checked = api.get(f"/v1/registry/retirements/{rid}")  # no token
    assert checked.status == 200 and checked.body == retired.body
    assert event.user_id not in str(checked.body)
    browser = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    page = api.get(f"/v1/registry/retirements/{rid}", headers=browser)  # what the QR opens
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "2026 碳普惠论坛" in page.body and retired.body["ranges"][0]["first_serial"] in page.body
    assert event.user_id not in page.body
    missing = api.get(f"/v1/registry/retirements/{'0' * 26}", headers=browser)
    assert missing.status == 404 and "No such retirement" in missing.body
    pdf = api.get(f"/v1/registry/retirements/{rid}/certificate.pdf")
    assert pdf.status == 200 and pdf.headers["Content-Type"] == "application/pdf"
    raw = base64.b64decode(pdf.body)
    assert pdf_font_problems(raw) == []
    text = pdfium.PdfDocument(raw)[0].get_textpage().get_text_range()
    first = retired.body["ranges"][0]["first_serial"]
    assert "2026 碳普惠论坛" in text and "3 kg CO2e" in text and first in text and rid in text
    # retired units never retire again: 2 are left, 3 more are refused
    refused = api.post(RETIRE, RETIREMENT, as_=event, headers=key())
    assert (refused.status, refused.error_code) == (409, "registry_insufficient_units")
    assert api.post(RETIRE, {**RETIREMENT, "units": 2}, as_=event, headers=key()).status == 201
    public = api.get("/v1/registry").body
    assert public["issued_units"] == public["held_units"] + public["retired_units"]
    mine = next(a for a in public["holdings"] if a["account_id"] == event.partner_id)
    assert (mine["name"], mine["held_units"], mine["retired_units"]) == ("2026 碳普惠论坛组委会", 0, 5)
    assert rid in [r["retirement_id"] for r in public["retirements"]]
    # the same registry as a page a person reads: totals, the holder by name, the retirement's serials
    # and its check's link; no person's id
    shown = api.get("/v1/registry", headers=browser)
    assert shown.status == 200 and shown.headers["Content-Type"].startswith("text/html"), shown.body
    assert "碳普惠减排量登记簿" in shown.body and "2026 碳普惠论坛组委会" in shown.body
    assert f'href="/v1/registry/retirements/{rid}"' in shown.body and first in shown.body
    assert f"{public['issued_units']:,} 单位" in shown.body and event.user_id not in shown.body
    assert "<script" not in shown.body and " style=" not in shown.body
    invariant()


def test_given_a_holder_then_it_transfers_only_where_the_operator_allowed_it(api, admin, make_partner):
    issue_kg(api, admin, 6)
    org, event = make_partner("organisation"), make_partner("event")
    assert give(api, admin, org.partner_id, 4).status == 201
    body = {"to": event.partner_id, "units": 1, "reason": "转让 resale", "price_fen": 3_000}
    forbidden = api.post(HOLDER_TRANSFER, body, as_=org, headers=key())
    assert (forbidden.status, forbidden.error_code) == (403, "registry_transfers_not_allowed")
    allowed = api.put(f"/v1/admin/registry/accounts/{org.partner_id}", {"transfers_allowed": True}, as_=admin)
    assert allowed.status == 200 and allowed.body["transfers_allowed"] is True
    done = api.post(HOLDER_TRANSFER, body, as_=org, headers=key())
    assert done.status == 201 and done.body["from_account"] == org.partner_id, done.body
    assert done.body["created_by_role"] == "partner"
    listed = api.get(TRANSFER, as_=admin, query={"limit": "10"}).body["items"]
    assert done.body["transfer_id"] in [t["transfer_id"] for t in listed]
    hotel = make_partner("hotel")
    assert give(api, admin, hotel.partner_id, 1).error_code == "registry_not_a_holder"
    assert api.get("/v1/partner/registry/account", as_=hotel).error_code == "registry_not_a_holder"
    assert give(api, admin, "PLATFORM", 1).error_code == "registry_same_account"
    assert give(api, admin, "ABCDEF", 1).error_code == "registry_account_not_found"
    invariant()


def test_given_a_rate_when_a_tourist_offsets_then_coins_and_units_go_in_one_plan(api, admin, register):
    issue_kg(api, admin, 10)
    assert api.put(RATE, {"coins_per_unit": 20}, as_=admin).status == 200
    assert api.get("/v1/registry/offset-rate").body["coins_per_unit"] == 20
    tourist = register("小林")
    api.get("/v1/me", as_=tourist)
    earn(tourist.user_id, 50)
    before = invariant()
    odd = api.post(OFFSET, {"coins": 30}, as_=tourist, headers=key())
    assert (odd.status, odd.error_code) == (422, "registry_offset_not_whole_units")
    poor = api.post(OFFSET, {"coins": 60}, as_=tourist, headers=key())
    assert (poor.status, poor.error_code) == (409, "insufficient_coins")
    assert invariant() == before
    made = api.post(OFFSET, {"coins": 40}, as_=tourist, headers=key())
    assert made.status == 201, made.body
    assert (made.body["units"], made.body["coins"], made.body["beneficiary"]) == (2, 40, "小**")
    assert made.body["account_id"] == "PLATFORM" and tourist.user_id not in str(made.body)
    after = invariant()
    assert after["retired"] == before["retired"] + 2
    wallet = api.get("/v1/me/wallet", as_=tourist).body["coins"]
    entries = api.get("/v1/me/ledger", as_=tourist, query={"limit": "100"}).body["items"]
    assert wallet == 10 == sum(e["coins"] for e in entries)
    assert [e["coins"] for e in entries if e["kind"] == "offset"] == [-40]
    checked = api.get(f"/v1/registry/retirements/{made.body['retirement_id']}").body
    assert checked["beneficiary"] == "小**" and "coins" not in checked


def test_given_roles_then_each_route_refuses_the_others_before_the_body(api, admin, register, make_partner):
    tourist, partner = register(), make_partner("event")
    for path in (ISSUE, TRANSFER):
        assert api.post(path, {"half": "a body"}, as_=tourist, headers=key()).status == 403
        assert api.post(path, {"half": "a body"}, as_=partner, headers=key()).status == 403
    assert api.put(RATE, {"x": 1}, as_=partner).status == 403
    assert api.post(RETIRE, {"x": 1}, as_=tourist, headers=key()).status == 403
    assert api.post(RETIRE, {"x": 1}, as_=admin, headers=key()).status == 403
    assert api.post(OFFSET, {"x": 1}, as_=partner, headers=key()).status == 403
    assert api.post(OFFSET, {"coins": 1}).status == 401
    assert api.post(RETIRE, RETIREMENT, as_=partner).error_code == "invalid_idempotency_key"
    assert api.get("/v1/registry/retirements/nonsense").error_code == "registry_retirement_not_found"
    assert api.get("/v1/registry/retirements/nonsense/certificate.pdf").status == 404


@pytest.mark.parametrize("body", [
    {**RETIREMENT, "units": 0}, {**RETIREMENT, "units": "3"}, {**RETIREMENT, "units": 1.5},
    {**RETIREMENT, "beneficiary": ""}, {**RETIREMENT, "emission": {"kind": "party", "description": "x"}},
    {**RETIREMENT, "extra": True}, {k: v for k, v in RETIREMENT.items() if k != "purpose"},
])
def test_given_a_bad_retirement_body_then_422(api, make_partner, body):
    reply = api.post(RETIRE, body, as_=make_partner("organisation"), headers=key())
    assert reply.status == 422, reply.body
