"""Government buyback (政府回购): rounds opened and closed by the operator, offers that retire coins
with a `buyback` ledger entry in one plan with the round's budget and the seller's eligible cap,
the payouts file and its manifest, and the budget held under 50 concurrent offers."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
import urllib3
from tanhui.models.base import utc_now
from tanhui.models.behaviour import BehaviourRecord
from tanhui.models.buyback import BuybackRound
from tanhui.models.wallet import Wallet, counter, lot_attribute
from tanhui.wallet import account, lots

from tests.factories import ledger_record
from tests.support import Session

ROUNDS = "/v1/admin/buyback-rounds"


def _at(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


def round_body(**changes) -> dict:
    return {
        "title_zh": "广州碳普惠回购第一期", "title_en": "Guangzhou buyback, round 1",
        "price_fen": 5, "budget_fen": 10_000, "opens_at": _at(hours=-1), "closes_at": _at(days=7),
        "behaviours": ["transit_trip", "ticket_non_disposable"], **changes,
    }


def open_round(api, admin, **changes) -> dict:
    reply = api.post(ROUNDS, round_body(**changes), as_=admin)
    assert reply.status == 201, reply.body
    return reply.body


def earn(who: Session, behaviour: str, coins: int) -> None:
    """Coins credited for `behaviour` as a file row credits them: the earn entry and the wallet's
    balance and lot, so the wallet stays its ledger."""
    ledger_record(who.user_id, behaviour, coins=coins, gco2e=coins * 100, occurred_at=utc_now())
    year = lots.lot_year(datetime.now(UTC))
    Wallet(*Wallet.key(who.user_id)).update(actions=[
        Wallet.coins.add(coins), Wallet.lifetime_coins.add(coins), counter(lot_attribute(year)).add(coins),
    ])


def sell(api, who: Session, round_id: str, coins, key: str | None = None):
    headers = {"Idempotency-Key": key or str(uuid.uuid4())}
    return api.post(f"/v1/buyback-rounds/{round_id}/offers", {"coins": coins}, as_=who, headers=headers)


def ledger(api, who: Session) -> list[dict]:
    entries, cursor = [], None
    while True:
        query = {"limit": "100", **({"cursor": cursor} if cursor else {})}
        page = api.get("/v1/me/ledger", as_=who, query=query)
        assert page.status == 200, page.body
        entries += page.body["items"]
        if not (cursor := page.body["next_cursor"]):
            return entries


def wallet_is_its_ledger(api, who: Session) -> int:
    coins = api.get("/v1/me/wallet", as_=who).body["coins"]
    assert coins == sum(e["coins"] for e in ledger(api, who)) >= 0
    return coins


def shown(api, who: Session, round_id: str) -> dict:
    reply = api.get("/v1/buyback-rounds", as_=who)
    assert reply.status == 200, reply.body
    return next((r for r in reply.body["items"] if r["round_id"] == round_id), {})


# ------------------------------------------------------------------------------ rounds
def test_given_a_round_when_opened_listed_read_and_closed_then_each_answers_it(api, admin, register):
    made = open_round(api, admin)
    assert (made["status"], made["sold_fen"], made["remaining_fen"]) == ("open", 0, 10_000)
    rid = made["round_id"]
    listed = api.get(ROUNDS, as_=admin, query={"limit": "100"}).body["items"]
    assert rid in [r["round_id"] for r in listed]
    assert api.get(f"{ROUNDS}/{rid}", as_=admin).body["title_en"] == "Guangzhou buyback, round 1"
    assert shown(api, register(), rid)["price_fen"] == 5
    closed = api.post(f"{ROUNDS}/{rid}/close", as_=admin)
    assert (closed.status, closed.body["status"]) == (200, "closed") and closed.body["closed_at"]
    assert api.post(f"{ROUNDS}/{rid}/close", as_=admin).body["status"] == "closed"
    assert shown(api, register(), rid) == {}


def test_given_the_list_of_rounds_then_it_pages_with_a_cursor(api, admin):
    for _ in range(3):
        open_round(api, admin)
    first = api.get(ROUNDS, as_=admin, query={"limit": "2"}).body
    second = api.get(ROUNDS, as_=admin, query={"limit": "2", "cursor": first["next_cursor"]}).body
    ids = [r["round_id"] for r in first["items"] + second["items"]]
    assert len(ids) == len(set(ids)) == 4 and ids == sorted(ids, reverse=True)
    assert api.get(ROUNDS, as_=admin, query={"cursor": "nonsense"}).error_code == "invalid_cursor"


def test_given_an_idempotency_key_when_opening_twice_then_one_round(api, admin):
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    body = round_body()
    first = api.post(ROUNDS, body, as_=admin, headers=headers)
    again = api.post(ROUNDS, body, as_=admin, headers=headers)
    assert (first.status, again.status) == (201, 200)
    assert first.body["round_id"] == again.body["round_id"]


@pytest.mark.parametrize("changes", [
    {"price_fen": 0}, {"price_fen": "5"}, {"price_fen": 1.5}, {"budget_fen": 0}, {"budget_fen": -1},
    {"behaviours": []}, {"behaviours": ["flying"]}, {"behaviours": ["transit_trip", "transit_trip"]},
    {"opens_at": "2026-13-01T00:00:00Z"}, {"opens_at": "2026-12-01T00:00:00+08:00"},
    {"closes_at": "2020-01-01T00:00:00Z"}, {"title_zh": ""}, {"surprise": 1},
])
def test_given_a_bad_round_then_422_and_nothing_opened(api, admin, changes):
    before = api.get(ROUNDS, as_=admin, query={"limit": "1"}).body["items"]
    reply = api.post(ROUNDS, round_body(**changes), as_=admin)
    assert (reply.status, reply.error_code) == (422, "validation_error"), reply.body
    assert api.get(ROUNDS, as_=admin, query={"limit": "1"}).body["items"] == before


def test_given_an_unknown_round_then_404(api, admin, register):
    for path in (f"{ROUNDS}/01ARZ3NDEKTSV4RRFFQ69G5FAV", f"{ROUNDS}/nope"):
        assert api.get(path, as_=admin).error_code == "buyback_round_not_found"
    assert sell(api, register(), "01ARZ3NDEKTSV4RRFFQ69G5FAV", 1).error_code == "buyback_round_not_found"


def test_given_a_tourist_or_partner_then_the_operator_routes_are_403(api, admin, register, make_partner):
    rid = open_round(api, admin)["round_id"]
    for who in (register(), make_partner("merchant")):
        assert api.post(ROUNDS, round_body(), as_=who).status == 403
        assert api.post(f"{ROUNDS}/{rid}/close", as_=who).status == 403
        assert api.post(f"{ROUNDS}/{rid}/payouts", as_=who).status == 403
    assert api.get("/v1/buyback-rounds", as_=admin).status == 403


# ------------------------------------------------------------------------------ offers
def test_given_eligible_coins_when_selling_then_retired_with_a_buyback_entry_and_counted(
    api, admin, register
):
    rid = open_round(api, admin)["round_id"]
    tourist = register()
    earn(tourist, "transit_trip", 30)
    earn(tourist, "plant_adoption", 50)  # not one of the round's behaviours
    offered = shown(api, tourist, rid)
    assert (offered["eligible_coins"], offered["balance_coins"], offered["max_offer_coins"]) == (30, 80, 30)
    reply = sell(api, tourist, rid, 12)
    assert reply.status == 201, reply.body
    assert (reply.body["coins"], reply.body["amount_fen"], len(reply.body["reference"])) == (12, 60, 16)
    entry = ledger(api, tourist)[0]
    assert (entry["kind"], entry["coins"], entry["entry_id"]) == ("buyback", -12, reply.body["offer_id"])
    assert (entry["evidence"]["round_id"], entry["evidence"]["amount_fen"]) == (rid, 60)
    record = BehaviourRecord.get(*BehaviourRecord.key(f"BEHAVIOUR#buyback#{reply.body['offer_id']}"))
    assert record.content_hash == record.content_digest()  # sealed like every movement
    assert wallet_is_its_ledger(api, tourist) == 68
    after = api.get(f"{ROUNDS}/{rid}", as_=admin).body
    counted = (after["sold_fen"], after["sold_coins"], after["offers"], after["remaining_fen"])
    assert counted == (60, 12, 1, 9_940)
    mine = api.get("/v1/me/buyback-offers", as_=tourist).body["items"]
    assert [o["offer_id"] for o in mine] == [reply.body["offer_id"]]
    assert shown(api, tourist, rid)["max_offer_coins"] == 18


def test_given_rounds_of_other_behaviours_then_each_counts_its_own_from_one_read_of_the_ledger(
    api, admin, register
):
    transit = open_round(api, admin, behaviours=["transit_trip"])["round_id"]
    both = open_round(api, admin, behaviours=["transit_trip", "plant_adoption"])["round_id"]
    plants = open_round(api, admin, behaviours=["plant_adoption"])["round_id"]
    tourist = register()
    earn(tourist, "transit_trip", 5)
    earn(tourist, "plant_adoption", 7)
    earn(tourist, "waste_sorting", 11)  # no round buys it
    with mock.patch.object(BehaviourRecord.ledger, "query", wraps=BehaviourRecord.ledger.query) as reads:
        listed = api.get("/v1/buyback-rounds", as_=tourist).body["items"]
    eligible = {r["round_id"]: r["eligible_coins"] for r in listed}
    assert (eligible[transit], eligible[both], eligible[plants]) == (5, 12, 7)
    assert reads.call_count == 1


def test_given_more_than_earned_from_the_behaviours_then_409_not_eligible_and_nothing_moves(
    api, admin, register
):
    rid = open_round(api, admin)["round_id"]
    tourist = register()
    earn(tourist, "ticket_non_disposable", 10)
    earn(tourist, "utility_saving", 100)
    assert sell(api, tourist, rid, 6).status == 201
    reply = sell(api, tourist, rid, 5)
    assert (reply.status, reply.error_code) == (409, "buyback_not_eligible")
    assert reply.body["error"]["details"] == [{"eligible_coins": 10, "sold_coins": 6, "max_coins": 4}]
    assert sell(api, tourist, rid, 4).status == 201
    assert wallet_is_its_ledger(api, tourist) == 100


def test_given_fewer_coins_than_earned_then_409_insufficient_coins(api, admin, register, make_partner):
    rid = open_round(api, admin)["round_id"]
    tourist = register()
    earn(tourist, "transit_trip", 20)
    account.debit(tourist.user_id, 15, reference=uuid.uuid4().hex, channel="redemption")
    reply = sell(api, tourist, rid, 6)
    assert (reply.status, reply.error_code) == (409, "insufficient_coins")
    assert wallet_is_its_ledger(api, tourist) == 5
    assert api.get(f"{ROUNDS}/{rid}", as_=admin).body["sold_fen"] == 0


def test_given_an_offer_larger_than_the_remaining_budget_then_refused_whole_with_what_remains(
    api, admin, register
):
    rid = open_round(api, admin, price_fen=7, budget_fen=100)["round_id"]
    tourist = register()
    earn(tourist, "transit_trip", 40)
    assert sell(api, tourist, rid, 10).status == 201  # 70 fen
    reply = sell(api, tourist, rid, 5)  # 35 > 30
    assert (reply.status, reply.error_code) == (409, "buyback_budget_exhausted")
    assert reply.body["error"]["details"] == [{"remaining_fen": 30, "max_coins": 4}]
    assert shown(api, tourist, rid)["max_offer_coins"] == 4
    assert sell(api, tourist, rid, 4).status == 201
    assert api.get(f"{ROUNDS}/{rid}", as_=admin).body["remaining_fen"] == 2
    assert wallet_is_its_ledger(api, tourist) == 26


def test_given_one_key_sent_twice_then_one_offer_and_a_new_body_is_refused(api, admin, register):
    rid = open_round(api, admin)["round_id"]
    tourist = register()
    earn(tourist, "transit_trip", 20)
    key = str(uuid.uuid4())
    first, again = sell(api, tourist, rid, 3, key), sell(api, tourist, rid, 3, key)
    assert (first.status, again.status) == (201, 200) and first.body == again.body
    assert sell(api, tourist, rid, 4, key).error_code == "idempotency_key_reused"
    missing = api.post(f"/v1/buyback-rounds/{rid}/offers", {"coins": 1}, as_=tourist)
    assert (missing.status, missing.error_code) == (400, "invalid_idempotency_key")
    assert wallet_is_its_ledger(api, tourist) == 17
    assert api.get(f"{ROUNDS}/{rid}", as_=admin).body["offers"] == 1


def test_given_a_closed_round_or_one_outside_its_window_then_409_round_closed(api, admin, register):
    tourist = register()
    earn(tourist, "transit_trip", 20)
    closed = open_round(api, admin)["round_id"]
    api.post(f"{ROUNDS}/{closed}/close", as_=admin)
    later = open_round(api, admin, opens_at=_at(days=1), closes_at=_at(days=2))["round_id"]
    ended = open_round(api, admin, opens_at=_at(days=-2), closes_at=_at(days=-1))["round_id"]
    for rid in (closed, later, ended):
        reply = sell(api, tourist, rid, 1)
        assert (reply.status, reply.error_code) == (409, "buyback_round_closed"), rid
        assert shown(api, tourist, rid) == {}
    assert wallet_is_its_ledger(api, tourist) == 20


def test_given_a_round_closed_between_the_read_and_the_write_then_the_plan_refuses_it(api, admin, register):
    """The round's own condition in the plan, not the read before it, decides."""
    rid = open_round(api, admin)["round_id"]
    tourist = register()
    earn(tourist, "transit_trip", 20)
    real_get = BuybackRound.get

    def read_then_close(*args, **kwargs):
        found = real_get(*args, **kwargs)
        BuybackRound(*BuybackRound.key(rid)).update(actions=[BuybackRound.status.set("closed")])
        return found

    with mock.patch.object(BuybackRound, "get", side_effect=read_then_close):
        reply = sell(api, tourist, rid, 2)
    assert (reply.status, reply.error_code) == (409, "buyback_round_closed")
    assert wallet_is_its_ledger(api, tourist) == 20


@pytest.mark.parametrize("coins", [0, -1, "3", 2.5, None, 10**10])
def test_given_a_bad_offer_then_422(api, admin, register, coins):
    rid = open_round(api, admin)["round_id"]
    reply = sell(api, register(), rid, coins)
    assert (reply.status, reply.error_code) == (422, "validation_error")


def test_given_coins_of_two_years_when_sold_then_the_oldest_lot_goes_first(api, admin, register):
    """A buyback is an ordinary debit: what remains of each lot still follows from the balance."""
    rid = open_round(api, admin)["round_id"]
    tourist = register()
    earn(tourist, "transit_trip", 10)
    year = lots.lot_year(datetime.now(UTC))
    Wallet(*Wallet.key(tourist.user_id)).update(actions=[  # 6 of them credited last year
        counter(lot_attribute(year)).add(-6), counter(lot_attribute(year - 1)).set(6)])
    assert sell(api, tourist, rid, 4).status == 201
    assert lots.held(account.raw_wallet(tourist.user_id) or {}) == {year - 1: 2, year: 4}


# ------------------------------------------------------------------------------ the budget under load
def test_given_50_concurrent_offers_then_the_budget_is_never_exceeded(api, admin, register):
    price, budget = 3, 3 * 100  # 100 coins' worth; 50 offers of 3 coins want 150
    rid = open_round(api, admin, price_fen=price, budget_fen=budget)["round_id"]
    tourists = [register() for _ in range(10)]
    for who in tourists:
        earn(who, "transit_trip", 15)

    def one(n: int):
        return sell(api, tourists[n % 10], rid, 3)

    with ThreadPoolExecutor(max_workers=16) as pool:
        replies = list(pool.map(one, range(50)))
    codes = sorted({(r.status, r.error_code) for r in replies})
    assert set(codes) <= {(201, None), (409, "buyback_budget_exhausted"), (409, "busy")}, codes
    after = api.get(f"{ROUNDS}/{rid}", as_=admin).body
    entries = [e for who in tourists for e in ledger(api, who) if e["kind"] == "buyback"
               and e["evidence"]["round_id"] == rid]
    sold = sum(r.status == 201 for r in replies)
    assert after["sold_fen"] <= budget
    assert after["sold_fen"] == -sum(e["coins"] for e in entries) * price == sold * 9
    assert after["offers"] == len(entries) == sold
    # every offer the budget could take was taken, unless contention turned some away as `busy`
    assert sold == budget // 9 or (409, "busy") in codes
    for who in tourists:
        wallet_is_its_ledger(api, who)


# ------------------------------------------------------------------------------ payouts
def _download(url: str) -> bytes:
    reply = urllib3.request("GET", url)
    assert reply.status == 200
    return reply.data


def test_given_a_closed_round_when_paid_out_then_the_file_and_manifest_match_the_offers(api, admin, register):
    rid = open_round(api, admin, price_fen=4)["round_id"]
    first, second = register(), register()
    earn(first, "transit_trip", 20)
    earn(second, "ticket_non_disposable", 9)
    made = [sell(api, first, rid, 5), sell(api, first, rid, 7), sell(api, second, rid, 9)]
    assert [r.status for r in made] == [201, 201, 201]
    early = api.post(f"{ROUNDS}/{rid}/payouts", as_=admin)
    assert (early.status, early.error_code) == (409, "buyback_round_open")
    api.post(f"{ROUNDS}/{rid}/close", as_=admin)
    reply = api.post(f"{ROUNDS}/{rid}/payouts", as_=admin)
    assert reply.status == 201, reply.body
    out = reply.body
    assert (out["rows"], out["coins"], out["amount_fen"]) == (2, 21, 84)
    data = _download(out["file_url"])
    assert data.startswith("\ufeff".encode()) and hashlib.sha256(data).hexdigest() == out["file_sha256"]
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["人员编号 person_reference", "回购碳币 coins", "金额（分） amount_fen",
                       "出售次数 offers"]
    by_reference = {r[0]: r[1:] for r in rows[1:]}
    assert by_reference == {made[0].body["reference"]: ["12", "48", "2"],
                            made[2].body["reference"]: ["9", "36", "1"]}
    for who in (first, second):  # no phone, no account id in the file
        assert who.phone.encode() not in data and who.user_id.encode() not in data
    manifest_bytes = _download(out["manifest_url"])
    assert hashlib.sha256(manifest_bytes).hexdigest() == out["manifest_sha256"]
    manifest = json.loads(manifest_bytes)
    assert manifest["file"]["sha256"] == out["file_sha256"] and manifest["round_id"] == rid
    assert manifest["totals"] == {"rows": 2, "coins": 21, "amount_fen": 84, "offers": 3}
    assert manifest["totals"]["amount_fen"] == api.get(f"{ROUNDS}/{rid}", as_=admin).body["sold_fen"]
    again = api.get(f"{ROUNDS}/{rid}/payouts/{out['payout_id']}", as_=admin)
    assert again.status == 200 and again.body["file_sha256"] == out["file_sha256"]
    missing = api.get(f"{ROUNDS}/{rid}/payouts/01ARZ3NDEKTSV4RRFFQ69G5FAV", as_=admin)
    assert missing.error_code == "buyback_payout_not_found"
    # the same round paid out again: the same rows (a new file id, the same bytes)
    assert api.post(f"{ROUNDS}/{rid}/payouts", as_=admin).body["file_sha256"] == out["file_sha256"]
