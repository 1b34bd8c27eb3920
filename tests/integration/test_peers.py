"""De-duplication with peer platforms (滤重) over the local gateway: a peer's own client-credentials
token (the pool domain's /oauth2/token, the peers' JWT authorizer and its scopes), keyed hashes
checked and registered 1,000 a call, a key a peer registered first refusing our scan
(`counted_elsewhere`, 409) and rejecting a file row, per-peer rate limits and audits."""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from tanhui import cache
from tanhui.claims import factors, keys, peers, scan
from tanhui.models.peers import peer_hash
from tanhui.models.wallet import Wallet
from werkzeug.test import Client

from tests.factories import dynamodb_calls, make_asset, partner_item, single_use, static
from tests.support import import_file

LAST_MONTH = (datetime.now(UTC).replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
READ, WRITE = "tanhui-peers/dedup/read", "tanhui-peers/dedup/write"


@pytest.fixture(scope="module", autouse=True)
def _ready(aws):
    factors.seed_defaults()


@pytest.fixture
def http(gateway):
    return Client(gateway)


@pytest.fixture
def onboard(api, admin):
    """Factory: a peer onboarded by the operator; returns its credentials as answered (once)."""

    def make(per_minute: int = 10_000) -> dict:
        peer_id = f"peer-{uuid.uuid4().hex[:8]}"
        reply = api.post("/v1/admin/peers", {"peer_id": peer_id, "name": f"城市 {peer_id}",
                                             "per_minute": per_minute}, as_=admin)
        assert reply.status == 201, reply.body
        return reply.body

    return make


def token(http, peer: dict, scope: str | None = None, secret: str | None = None):
    basic = base64.b64encode(f"{peer['client_id']}:{secret or peer['client_secret']}".encode()).decode()
    form = {"grant_type": "client_credentials"} | ({"scope": scope} if scope else {})
    return http.post("/oauth2/token", data=form, headers={"Authorization": f"Basic {basic}"})


def bearer(http, peer: dict, scope: str | None = None) -> dict[str, str]:
    reply = token(http, peer, scope)
    assert reply.status_code == 200, reply.json
    return {"Authorization": f"Bearer {reply.json['access_token']}"}


def digest(record_pk: str) -> str:
    natural = peers.natural_key(record_pk)
    assert natural is not None
    return peer_hash(peers.network_key(), natural)


def ticket_key(code: str) -> str:
    tok, _ = scan.verified(code, datetime.now(UTC))
    return keys.single_use_code(tok.serial)


def some_keys(n: int) -> list[str]:
    return [secrets.token_hex(32) for _ in range(n)]


# ------------------------------------------------------------------------------ credentials
def test_given_a_peers_credentials_then_only_its_client_credentials_token_passes(http, onboard, register):
    peer = onboard()
    assert token(http, peer, secret="wrong").status_code == 401
    assert token(http, peer, scope="tanhui-peers/admin").json == {"error": "invalid_scope"}
    body = {"keys": some_keys(1)}
    assert http.post("/v1/peers/keys/check", json=body).status_code == 401  # no token
    tourist = register()
    as_person = {"Authorization": f"Bearer {tourist.access_token}"}
    assert http.post("/v1/peers/keys/check", json=body, headers=as_person).status_code == 401
    assert http.get("/v1/me/wallet", headers=bearer(http, peer)).status_code == 401  # no person's route
    reply = http.post("/v1/peers/keys/check", json=body, headers=bearer(http, peer, READ))
    assert reply.status_code == 200 and reply.json == {"keys": 1, "counted": {}}


def test_given_a_read_only_token_then_register_is_refused_before_any_key(http, onboard):
    peer = onboard()
    reply = http.post("/v1/peers/keys/register", json={"keys": some_keys(2)},
                      headers=bearer(http, peer, READ))
    assert reply.status_code == 403
    calls = http.get("/v1/peers/calls", headers=bearer(http, peer, READ)).json
    assert calls["items"] == []


def test_given_bad_keys_then_422_never_5xx(http, onboard):
    auth = bearer(http, onboard())
    for body in ({"keys": []}, {"keys": ["13800138000"]}, {"keys": some_keys(1) * 2},
                 {"keys": some_keys(1001)}, {"keys": "x"}, {}):
        reply = http.post("/v1/peers/keys/register", json=body, headers=auth)
        assert reply.status_code == 422, (body, reply.json)


# ---------------------------------------------------------------------- a peer's key refuses ours
def test_given_a_ticket_a_peer_registered_first_then_the_scan_is_refused_counted_elsewhere(
    api, http, onboard, register
):
    [code] = single_use(make_asset(partner_item(), "ticket_product"))
    key = digest(ticket_key(code))
    peer = onboard()
    registered = http.post("/v1/peers/keys/register", json={"keys": [key]}, headers=bearer(http, peer))
    assert registered.json == {"keys": 1, "registered": [key], "counted": {}}
    tourist = register()

    reply = api.post("/v1/claims", {"code": code}, as_=tourist)

    assert (reply.status, reply.error_code) == (409, "counted_elsewhere")
    assert int(Wallet.get(*Wallet.key(tourist.user_id), consistent_read=True).coins or 0) == 0
    assert api.get("/v1/me/ledger", as_=tourist).body["items"] == []
    again = http.post("/v1/peers/keys/register", json={"keys": [key]}, headers=bearer(http, peer))
    assert again.json == {"keys": 1, "registered": [], "counted": {key: "you"}}


def test_given_our_credit_first_then_peers_learn_it_was_counted_here(api, http, onboard, register):
    [code] = single_use(make_asset(partner_item(), "ticket_product"))
    assert api.post("/v1/claims", {"code": code}, as_=register()).status == 201
    key, fresh = digest(ticket_key(code)), some_keys(1)[0]
    first, second = onboard(), onboard()

    checked = http.post("/v1/peers/keys/check", json={"keys": [key, fresh]}, headers=bearer(http, first))
    taken = http.post("/v1/peers/keys/register", json={"keys": [key, fresh]}, headers=bearer(http, first))
    other = http.post("/v1/peers/keys/register", json={"keys": [fresh]}, headers=bearer(http, second))

    assert checked.json == {"keys": 2, "counted": {key: "here"}}
    assert taken.json == {"keys": 2, "registered": [fresh], "counted": {key: "here"}}
    assert other.json == {"keys": 1, "registered": [], "counted": {fresh: "elsewhere"}}


def test_given_a_transit_month_a_peer_registered_then_the_file_row_is_rejected_counted_elsewhere(
    api, http, aws, functions, onboard, register, make_partner
):
    from infra.local import cfn
    from infra.local.dispatcher import Dispatcher

    dispatcher = Dispatcher(aws, cfn.load_template(), functions, streams=False)
    operator, rider, ours = make_partner("transport_operator"), register(), register()
    card, mine = (f"YCT{secrets.randbelow(10**10):010d}" for _ in range(2))
    for who, number in ((rider, card), (ours, mine)):
        assert api.put("/v1/me/bindings", {"transit_card": number}, as_=who).status == 200
    key = digest(keys.transit_month(card, LAST_MONTH))
    http.post("/v1/peers/keys/register", json={"keys": [key]}, headers=bearer(http, onboard()))

    job = import_file(api, dispatcher, operator, "transit_trips",
                      f"card,month,trips\n{card},{LAST_MONTH},30\n{mine},{LAST_MONTH},30\n".encode())

    assert job["counts"]["credited"] == 1 and job["counts"]["duplicate"] == 1, job
    assert job["reasons"] == {"counted_elsewhere": 1}, job
    assert int(Wallet.get(*Wallet.key(rider.user_id), consistent_read=True).coins or 0) == 0
    checked = http.post("/v1/peers/keys/check", json={"keys": [digest(keys.transit_month(mine, LAST_MONTH))]},
                        headers=bearer(http, onboard()))
    assert list(checked.json["counted"].values()) == ["here"]


# ------------------------------------------------------------------------- batches and costs
def test_given_1000_keys_then_10_batch_reads_and_10_plans(http, onboard):
    auth = bearer(http, onboard())
    batch = some_keys(1000)
    items: Counter = Counter()
    with dynamodb_calls(items) as calls:
        reply = http.post("/v1/peers/keys/register", json={"keys": batch}, headers=auth)
    assert reply.status_code == 200 and len(reply.json["registered"]) == 1000
    assert calls["BatchGetItem"] == 10 and items["BatchGetItem keys"] == 1000
    assert calls["TransactWriteItems"] == 10 and items["Put"] == 1000
    with dynamodb_calls() as calls:
        again = http.post("/v1/peers/keys/check", json={"keys": batch}, headers=auth)
    assert set(again.json["counted"].values()) == {"you"} and len(again.json["counted"]) == 1000
    assert calls["BatchGetItem"] == 10 and "TransactWriteItems" not in calls


def test_given_a_claim_of_a_behaviour_that_takes_no_part_then_no_extra_request(api, register):
    pid = partner_item("hotel")
    room = static(make_asset(pid, "hotel_room"))
    tourist = register()
    cache.forget(peers.CACHE_KEY)
    items: Counter = Counter()
    with dynamodb_calls(items) as calls:
        assert api.post("/v1/claims", {"code": room}, as_=tourist).status == 201
    assert calls["TransactWriteItems"] == 1 and items["Put"] == 1 and items["Update"] == 1
    assert cache._entries.get(peers.CACHE_KEY) is None  # the network key was not even read


def test_given_a_ticket_claim_then_its_key_rides_in_the_same_transaction(api, register):
    [code] = single_use(make_asset(partner_item(), "ticket_product"))
    tourist = register()
    peers.network_key()  # warm, as a container is after its first such claim
    items: Counter = Counter()
    with dynamodb_calls(items) as calls:
        assert api.post("/v1/claims", {"code": code}, as_=tourist).status == 201
    assert calls["TransactWriteItems"] == 1 and items["Put"] == 1 and items["Update"] == 2


# ------------------------------------------------------------------------- rates and audits
def test_given_a_peers_rate_then_keys_past_it_this_minute_are_429(http, onboard):
    auth = bearer(http, onboard(per_minute=5))
    assert http.post("/v1/peers/keys/check", json={"keys": some_keys(3)}, headers=auth).status_code == 200
    refused = http.post("/v1/peers/keys/check", json={"keys": some_keys(3)}, headers=auth)
    assert refused.status_code == 429 and refused.json["error"]["code"] == "peer_rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60  # the next minute's counter starts empty
    assert http.post("/v1/peers/keys/check", json={"keys": some_keys(2)}, headers=auth).status_code == 200


def test_given_two_peers_then_each_reads_only_its_own_audit_and_the_operator_reads_any(
    api, http, admin, onboard, register
):
    first, second = onboard(), onboard()
    http.post("/v1/peers/keys/register", json={"keys": some_keys(4)}, headers=bearer(http, first))
    http.post("/v1/peers/keys/check", json={"keys": some_keys(2)}, headers=bearer(http, second))

    mine = http.get("/v1/peers/calls", headers=bearer(http, first, READ)).json["items"]
    theirs = http.get("/v1/peers/calls", headers=bearer(http, second, READ)).json["items"]
    operator = api.get(f"/v1/admin/peers/{first['peer_id']}/calls", as_=admin)

    assert [(c["peer_id"], c["operation"], c["keys"], c["registered"]) for c in mine] == [
        (first["peer_id"], "register", 4, 4)]
    assert [(c["peer_id"], c["operation"], c["keys"], c["found"]) for c in theirs] == [
        (second["peer_id"], "check", 2, 0)]
    assert operator.status == 200 and operator.body["items"] == mine
    assert api.get(f"/v1/admin/peers/{first['peer_id']}/calls", as_=register()).status == 403


def test_given_a_peer_onboarded_then_the_operators_log_has_it_without_its_secret(onboard, admin):
    from tanhui.models.audit_log import OperatorAction, month_pk

    peer = onboard()

    month = month_pk(datetime.now(UTC).strftime("%Y-%m"))
    logged = [a for a in OperatorAction.query(month, consistent_read=True)
              if a.route == "POST /v1/admin/peers" and peer["peer_id"] in json.dumps(a.summary)]
    assert len(logged) == 1 and logged[0].who == admin.user_id
    assert peer["client_secret"] not in json.dumps(logged[0].attribute_values, default=str)


@pytest.fixture(scope="module")
def regulator(api):
    from tanhui.identity import cognito

    from tests.support import login, unique_phone

    phone = unique_phone()
    cognito.create_staff_user(phone, "regulator-2026", {"phone_number": phone, "name": "R"},
                              group="regulator")
    return login(api, phone, "regulator-2026")


def test_given_a_suspended_peer_then_its_calls_are_refused_until_it_is_resumed(api, http, admin, onboard):
    peer = onboard()
    auth = bearer(http, peer)
    assert http.post("/v1/peers/keys/check", json={"keys": some_keys(1)}, headers=auth).status_code == 200

    suspended = api.call("PATCH", f"/v1/admin/peers/{peer['peer_id']}", {"status": "suspended"}, as_=admin)
    refused = http.post("/v1/peers/keys/check", json={"keys": some_keys(1)}, headers=auth)
    resumed = api.call("PATCH", f"/v1/admin/peers/{peer['peer_id']}", {"status": "active", "per_minute": 7},
                       as_=admin)

    assert suspended.status == 200 and suspended.body["status"] == "suspended"
    assert refused.status_code == 403 and refused.json["error"]["code"] == "peer_not_allowed"
    assert resumed.body["per_minute"] == 7
    assert http.post("/v1/peers/keys/check", json={"keys": some_keys(8)}, headers=auth).status_code == 429
    assert http.post("/v1/peers/keys/check", json={"keys": some_keys(5)}, headers=auth).status_code == 200
    missing = api.call("PATCH", "/v1/admin/peers/no-such-peer", {"status": "suspended"}, as_=admin)
    assert (missing.status, missing.error_code) == (404, "peer_not_found")
    assert api.call("PATCH", f"/v1/admin/peers/{peer['peer_id']}", {}, as_=admin).status == 422


def test_given_peers_then_the_operator_and_the_regulator_list_them_and_read_their_calls(
    api, http, admin, onboard, regulator
):
    peer = onboard()
    http.post("/v1/peers/keys/check", json={"keys": some_keys(3)}, headers=bearer(http, peer))

    listed, seen = [], None
    while True:
        query = {"limit": "100", **({"cursor": seen} if seen else {})}
        page = api.get("/v1/regulator/peers", as_=regulator, query=query)
        assert page.status == 200
        listed += page.body["items"]
        if not (seen := page.body["next_cursor"]):
            break
    calls = api.get(f"/v1/regulator/peers/{peer['peer_id']}/calls", as_=regulator)

    mine = [p for p in listed if p["peer_id"] == peer["peer_id"]]
    shown = ("peer_id", "name", "client_id", "per_minute", "status", "created_at")
    assert mine == [{k: peer[k] for k in shown} | {"updated_at": None}]
    assert "client_secret" not in mine[0]
    assert [(c["operation"], c["keys"]) for c in calls.body["items"]] == [("check", 3)]
    assert api.get("/v1/admin/peers", as_=admin).status == 200
    refused = api.call("PATCH", f"/v1/admin/peers/{peer['peer_id']}", {"status": "suspended"}, as_=regulator)
    assert refused.status == 403


def test_given_a_scan_and_a_peers_register_of_the_same_ticket_at_once_then_exactly_one_counts_it(
    api, http, onboard, register
):
    from concurrent.futures import ThreadPoolExecutor

    peer = onboard()
    auth = bearer(http, peer)
    for _ in range(5):
        [code] = single_use(make_asset(partner_item(), "ticket_product"))
        key, tourist = digest(ticket_key(code)), register()
        with ThreadPoolExecutor(2) as pool:
            scanned = pool.submit(api.post, "/v1/claims", {"code": code}, as_=tourist)
            registered = pool.submit(http.post, "/v1/peers/keys/register", json={"keys": [key]}, headers=auth)
        claim, answer = scanned.result(), registered.result().json
        if claim.status == 201:
            assert answer == {"keys": 1, "registered": [], "counted": {key: "here"}}
        else:
            assert (claim.status, claim.error_code) == (409, "counted_elsewhere")
            assert answer == {"keys": 1, "registered": [key], "counted": {}}
            assert int(Wallet.get(*Wallet.key(tourist.user_id), consistent_read=True).coins or 0) == 0


def test_given_a_row_waiting_for_its_card_when_a_peer_registers_it_meanwhile_then_binding_credits_nothing(
    api, http, aws, functions, onboard, register, make_partner
):
    from infra.local import cfn
    from infra.local.dispatcher import Dispatcher

    dispatcher = Dispatcher(aws, cfn.load_template(), functions, streams=False)
    operator, card = make_partner("transport_operator"), f"LNT{secrets.randbelow(10**10):010d}"
    job = import_file(api, dispatcher, operator, "transit_trips",
                      f"card,month,trips\n{card},{LAST_MONTH},30\n".encode())
    assert job["counts"]["pending"] == 1, job  # nobody has bound the card yet
    key = digest(keys.transit_month(card, LAST_MONTH))
    http.post("/v1/peers/keys/register", json={"keys": [key]}, headers=bearer(http, onboard()))
    rider = register()

    assert api.put("/v1/me/bindings", {"transit_card": card}, as_=rider).status == 200

    after = api.get(f"/v1/partner/imports/{job['import_id']}", as_=operator).body
    assert (after["counts"]["pending"], after["counts"]["duplicate"]) == (0, 1), after
    assert after["reasons"]["counted_elsewhere"] == 1, after
    assert int(Wallet.get(*Wallet.key(rider.user_id), consistent_read=True).coins or 0) == 0
