"""Closing an account (注销, POST /v1/me/account/close): after the password again, the person is gone
from every item of the table and from the copies of their data, their records stay for carbon
accounting without them, so totals, a new export and a past export's audit all still hold; their
coins are forfeited or donated, open vouchers cancelled; their phone may register again."""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from unittest import mock

import boto3
import pytest
from tanhui.claims import factors
from tanhui.config import get_settings
from tanhui.identity import cognito

from tests.factories import make_asset, partner_item, single_use, static
from tests.support import import_file, login

PASSWORD = "green-trip-2026"
LAST_MONTH = (datetime.now(UTC).replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
OFFER = {"title": "豆浆 Soy milk", "description": "", "coins_cost": 1, "stock": 100,
         "valid_from": "2020-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z", "voucher_valid_days": 7}


@pytest.fixture(scope="module", autouse=True)
def _ready(aws):
    factors.seed_defaults()


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


def _everything() -> list[str]:
    """Every item of the table, and every object key of the personal data bucket, as text."""
    found = []
    for page in boto3.client("dynamodb").get_paginator("scan").paginate(TableName=get_settings().table_name):
        found += [json.dumps(item, ensure_ascii=False) for item in page["Items"]]
    s3 = boto3.client("s3")
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=get_settings().personal_data_bucket):
        found += [o["Key"] for o in page.get("Contents", [])]
    return found


def _naming(texts: list[str], *values: str) -> list[str]:
    return [t for t in texts if any(v in t for v in values)]


def _totals(api, admin) -> dict:
    query = {"from": _today(), "to": _today(), "group_by": "behaviour"}
    reply = api.get("/v1/admin/totals", as_=admin, query=query)
    assert reply.status == 200, reply.body
    return reply.body["totals"]


def _export(api, dispatcher, admin) -> dict:
    started = api.post("/v1/admin/exports", {"from": _today(), "to": _today()}, as_=admin)
    assert started.status == 202, started.body
    dispatcher.drain()
    reply = api.get(f"/v1/admin/exports/{started.body['export_id']}", as_=admin)
    assert reply.body["status"] == "completed", reply.body
    return reply.body


def _audit(api, admin, export_id: str) -> dict:
    reply = api.get(f"/v1/admin/exports/{export_id}/audit", as_=admin)
    assert reply.status == 200, reply.body
    return reply.body


def _lines(export: dict) -> list[dict]:
    import urllib3

    jsonl = next(f for f in export["files"] if f["name"] == "behaviours.jsonl")
    return [json.loads(x) for x in urllib3.request("GET", jsonl["url"]).data.decode().splitlines()]


def _tourist(api, name: str):
    from tests.support import unique_phone

    phone = unique_phone()
    reply = api.post("/v1/auth/register", {"phone": phone, "password": PASSWORD, "display_name": name,
                                            "consent": {"version": "2026-11", "accepted": True}})
    assert reply.status == 201, reply.body
    return login(api, phone, PASSWORD)


def _close(api, who, body: dict | None = None, headers: dict | None = None):
    body = {"password": PASSWORD, "coins": "forfeit"} if body is None else body
    return api.post("/v1/me/account/close", body, as_=who, headers=key() if headers is None else headers)


def _a_full_life(api, stream_dispatcher, make_partner, who) -> dict:
    """Scans (a ticket: a key without the person; a hotel night: a key with their id), a transit
    file row (a key with their card), a car plate bound, a voucher open and one consumed, a copy of
    their data, a certificate; the stream applied (stats, leaderboards)."""
    card, plate = "YCT" + str(secrets.randbelow(10**10)).zfill(10), f"粤B{secrets.randbelow(10**5):05d}"
    assert api.put("/v1/me/bindings", {"transit_card": card, "car_plate": plate}, as_=who).status == 200
    spot_partner = partner_item("scenic_spot")
    spot = make_asset(spot_partner, "ticket_product")
    for code in single_use(spot, 3):
        assert api.post("/v1/claims", {"code": code}, as_=who).status == 201
    room = make_asset(partner_item("hotel"), "hotel_room")
    assert api.post("/v1/claims", {"code": static(room)}, as_=who).status == 201
    operator = make_partner("transport_operator")
    job = import_file(api, stream_dispatcher, operator, "transit_trips",
                      f"card,month,trips\n{card},{LAST_MONTH},40\n".encode(), "trips.csv")
    assert job["counts"]["credited"] == 1, job
    cafe = make_partner("merchant")
    offer = api.post("/v1/partner/offers", OFFER, as_=cafe).body
    used = api.post("/v1/redemptions", {"offer_id": offer["offer_id"]}, as_=who, headers=key()).body
    assert api.post("/v1/partner/vouchers/consume", {"code": used["code"]}, as_=cafe).status == 200
    open_voucher = api.post("/v1/redemptions", {"offer_id": offer["offer_id"]}, as_=who, headers=key())
    assert open_voucher.status == 201, open_voucher.body
    assert api.post("/v1/me/data-export", None, as_=who).status == 201
    assert api.get("/v1/me/certificate.pdf", as_=who, query={"period": _today()[:4]}).status == 200
    stream_dispatcher.drain()
    return {"card": card, "plate": plate, "cafe": cafe, "voucher": open_voucher.body, "spot": spot_partner}


def test_given_a_full_life_when_closed_then_no_item_names_the_person_and_totals_and_audits_hold(
    api, register, admin, make_partner, stream_dispatcher
):
    name = f"注销测试 {secrets.token_hex(3)}"
    who = _tourist(api, name)
    life = _a_full_life(api, stream_dispatcher, make_partner, who)
    coins = api.get("/v1/me/wallet", as_=who).body["coins"]
    assert coins > 0
    assert who.user_id in " ".join(_everything())
    before = _export(api, stream_dispatcher, admin)
    mine = [x for x in _lines(before) if who.user_id in x["key"] or life["card"] in x["key"]]
    assert len(mine) == 2  # the night (their id in the key) and the transit month (their card)
    totals = _totals(api, admin)
    spot_board = {"period": "week", "scope": "partner", "partner_id": life["spot"]}
    board = api.get("/v1/leaderboard", as_=admin, query=spot_board).body
    assert [e["display_name"] for e in board["entries"]] == [name]

    reply = _close(api, who, headers=(sent := key()))

    assert reply.status == 201, reply.body
    closed = reply.body
    assert (closed["status"], closed["coins_forfeited"], closed["coins_donated"]) == ("closed", coins, 0)
    assert closed["vouchers_cancelled"] == 1 and closed["records_pseudonymised"] >= 8
    stream_dispatcher.drain()
    left = _naming(_everything(), who.user_id, who.phone, name, life["card"], life["plate"])
    assert left == [], [x[:2000] for x in left]
    # what was saved stays counted, once; the export made before still audits
    assert _totals(api, admin) == totals
    audit = _audit(api, admin, before["export_id"])
    assert (audit["ok"], audit["pseudonymised"], audit["mismatches"]) == (True, 5, []), audit
    after = _export(api, stream_dispatcher, admin)
    assert _audit(api, admin, after["export_id"])["ok"] is True
    rows = [json.dumps(x, ensure_ascii=False) for x in _lines(after)]
    assert _naming(rows, who.user_id, life["card"]) == []
    assert after["rows"] == before["rows"]
    assert api.get("/v1/leaderboard", as_=admin, query=spot_board).body["entries"] == []
    # the till refuses the cancelled voucher; the same key answers the same closing
    till = api.post("/v1/partner/vouchers/consume", {"code": life["voucher"]["code"]}, as_=life["cafe"])
    assert (till.status, till.error_code) == (410, "voucher_cancelled")
    again = _close(api, who, headers=sent)
    assert (again.status, again.body) == (200, closed)
    # the login is gone; the phone registers again as a new person with nothing
    gone = api.post("/v1/auth/login", {"phone": who.phone, "password": PASSWORD})
    assert gone.error_code == "invalid_credentials"
    reborn = api.post("/v1/auth/register", {"phone": who.phone, "password": PASSWORD, "display_name": "新人",
                                             "consent": {"version": "2026-11", "accepted": True}})
    assert reborn.status == 201, reborn.body
    new = login(api, who.phone, PASSWORD)
    assert new.user_id != who.user_id
    assert api.get("/v1/me/wallet", as_=new).body["coins"] == 0
    assert api.get("/v1/me/ledger", as_=new).body["items"] == []


def test_given_the_old_token_after_closing_then_writes_are_refused_and_nothing_of_theirs_comes_back(
    api, register, make_partner, stream_dispatcher
):
    who = register()
    spot = make_asset(partner_item("scenic_spot"), "ticket_product")
    [first, later] = single_use(spot, 2)
    assert api.post("/v1/claims", {"code": first}, as_=who).status == 201
    assert _close(api, who).status == 201

    assert api.post("/v1/claims", {"code": later}, as_=who).status // 100 == 4
    assert api.put("/v1/me/bindings", {"car_plate": "粤A12345"}, as_=who).status // 100 == 4
    assert api.post("/v1/me/consent", {"version": "2026-11", "accepted": True}, as_=who).status // 100 == 4
    assert api.post("/v1/me/data-export", None, as_=who).status // 100 == 4
    assert api.get("/v1/me/certificate.pdf", as_=who, query={"period": _today()[:4]}).status // 100 == 4
    assert api.get("/v1/me", as_=who).status // 100 == 4  # no account is made again from the token
    stream_dispatcher.drain()
    assert _naming(_everything(), who.user_id, who.phone) == []


def test_given_donate_then_the_coins_go_to_the_project_and_the_record_says_so(api, register, admin):
    project = api.post("/v1/admin/projects", {"name": "红树林 Mangroves", "description": "Replant.",
                                               "goal_coins": 1000}, as_=admin).body
    who = register()
    spot = make_asset(partner_item("scenic_spot"), "ticket_product")
    for code in single_use(spot, 2):
        assert api.post("/v1/claims", {"code": code}, as_=who).status == 201
    coins = api.get("/v1/me/wallet", as_=who).body["coins"]

    reply = _close(api, who, {"password": PASSWORD, "coins": "donate", "project_id": project["project_id"]})

    assert reply.status == 201, reply.body
    assert (reply.body["coins_donated"], reply.body["coins_forfeited"]) == (coins, 0) and coins > 0
    assert reply.body["project_id"] == project["project_id"]
    page = api.get("/v1/projects", as_=register(), query={"limit": "100"})
    assert page.status == 200, page.body
    page = page.body["items"]
    listed = {p["project_id"]: p for p in page}
    mine = listed[project["project_id"]]
    assert (mine["raised_coins"], mine["donors"]) == (coins, 1)
    assert _naming(_everything(), who.user_id, who.phone) == []


def test_given_a_wrong_password_or_a_bad_choice_then_4xx_and_nothing_changes(api, register):
    who = register()
    wrong = _close(api, who, {"password": "not-it", "coins": "forfeit"})
    assert (wrong.status, wrong.error_code) == (401, "invalid_credentials")
    for body in ({"password": PASSWORD, "coins": "donate"},
                 {"password": PASSWORD, "coins": "forfeit", "project_id": "0" * 26},
                 {"password": PASSWORD, "coins": "burn"}, {"coins": "forfeit"},
                 {"password": PASSWORD, "coins": "forfeit", "extra": 1}):
        assert _close(api, who, body).status == 422, body
    missing = api.post("/v1/me/account/close", {"password": PASSWORD, "coins": "forfeit"}, as_=who)
    assert (missing.status, missing.error_code) == (400, "invalid_idempotency_key")
    unknown = _close(api, who, {"password": PASSWORD, "coins": "donate", "project_id": "0" * 26})
    assert (unknown.status, unknown.error_code) == (404, "project_not_found")
    me = api.get("/v1/me", as_=who)
    assert me.status == 200 and me.body["consent"] is not None


def test_given_a_closing_that_stopped_half_way_then_a_retry_finishes_it(api, register):
    who = register()
    spot = make_asset(partner_item("scenic_spot"), "ticket_product")
    assert api.post("/v1/claims", {"code": single_use(spot, 1)[0]}, as_=who).status == 201
    with mock.patch.object(cognito, "delete_user", side_effect=RuntimeError("Cognito is down")):
        assert _close(api, who).status == 500
    me = api.get("/v1/me", as_=who)
    assert me.status == 200 and me.body["consent"] is None  # withdrawn on the way; still there

    from tanhui.rights import closing

    real = closing._finish
    with mock.patch.object(closing, "_finish", side_effect=RuntimeError("lost")):
        assert _close(api, who).status == 500
    assert api.post("/v1/auth/login", {"phone": who.phone, "password": PASSWORD}).status == 401
    with mock.patch.object(closing, "_finish", real):
        finished = _close(api, who, {"password": "forgotten-already", "coins": "forfeit"})
    assert finished.status == 201, finished.body
    assert _naming(_everything(), who.user_id, who.phone) == []


def test_given_a_late_stream_record_of_a_closed_account_then_it_counts_for_the_totals_alone(
    api, register, admin, stream_dispatcher
):
    who = register()
    spot = make_asset(partner_item("scenic_spot"), "ticket_product")
    stream_dispatcher.drain()
    totals = _totals(api, admin)
    assert api.post("/v1/claims", {"code": single_use(spot, 1)[0]}, as_=who).status == 201
    earned = api.get("/v1/me/wallet", as_=who).body

    assert _close(api, who).status == 201
    stream_dispatcher.drain()  # the claim's INSERT arrives after the closing

    after = _totals(api, admin)
    assert after["count"] == totals["count"] + 1 and after["coins"] == totals["coins"] + earned["coins"]
    assert _naming(_everything(), who.user_id) == []


def test_given_coins_sold_into_a_buyback_round_when_closed_then_the_round_still_pays_the_reference(
    api, register, admin
):
    from tests.integration.test_buyback import ROUNDS, earn, open_round, sell

    rid = open_round(api, admin, price_fen=3)["round_id"]
    who = register()
    earn(who, "transit_trip", 10)
    sold = sell(api, who, rid, 6)
    assert sold.status == 201, sold.body

    closed = _close(api, who)

    assert closed.status == 201, closed.body
    owed = {"round_id": rid, "reference": sold.body["reference"], "coins": 6, "amount_fen": 18}
    assert (closed.body["buyback"], closed.body["coins_forfeited"]) == ([owed], 4)
    assert _naming(_everything(), who.user_id, who.phone) == []
    api.post(f"{ROUNDS}/{rid}/close", as_=admin)
    payout = api.post(f"{ROUNDS}/{rid}/payouts", as_=admin)
    assert payout.status == 201, payout.body
    assert (payout.body["rows"], payout.body["coins"], payout.body["amount_fen"]) == (1, 6, 18)


def test_given_an_offset_when_closed_then_its_retirement_stays_public_and_retired_without_the_person(
    api, register, admin
):
    from tests.integration.registry_support import invariant
    from tests.integration.test_registry_api import OFFSET, RATE, earn, issue_kg

    issue_kg(api, admin, 3)
    assert api.put(RATE, {"coins_per_unit": 5}, as_=admin).status == 200
    who = register("林小红")
    api.get("/v1/me", as_=who)
    earn(who.user_id, 12)
    made = api.post(OFFSET, {"coins": 10}, as_=who, headers=key())
    assert made.status == 201, made.body
    before = invariant()

    closed = _close(api, who)

    assert closed.status == 201, closed.body
    assert closed.body["coins_forfeited"] == 2
    assert _naming(_everything(), who.user_id, who.phone, "林小红", "林**") == []
    checked = api.get(f"/v1/registry/retirements/{made.body['retirement_id']}").body
    assert (checked["units"], checked["beneficiary"]) == (2, "已注销用户 a closed account")
    assert invariant() == before  # still retired, counted once
