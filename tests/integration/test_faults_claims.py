"""A claim under injected faults (`infra.local.faults`): each fault once, then the outcome is
exactly one credit — one record, one ledger entry, the wallet moved once."""

from __future__ import annotations

import pytest
from tanhui.claims import factors

from infra.local import faults
from tests.factories import make_asset, partner_item, single_use


@pytest.fixture(scope="module", autouse=True)
def _ready(aws):
    factors.seed_defaults()


def _ticket_code() -> str:
    asset = make_asset(partner_item("scenic_spot"), "ticket_product")
    [code] = single_use(asset)
    return code


def _credited_once(api, tourist, reply, status=201) -> None:
    assert reply.status == status, reply.body
    coins = reply.body["coins"]
    ledger = api.get("/v1/me/ledger", as_=tourist).body["items"]
    assert [e["entry_id"] for e in ledger] == [reply.body["claim_id"]]
    wallet = api.get("/v1/me/wallet", as_=tourist).body
    assert (wallet["coins"], wallet["lifetime_coins"]) == (coins, coins)


@pytest.mark.parametrize("fault", ["conflict", "throttle", "lost_reply"])
def test_given_one_fault_on_the_claims_write_then_it_is_retried_and_credited_once(api, register, fault):
    tourist, code = register(), _ticket_code()
    with faults.scripted(match="BEHAVIOUR#", **{fault: 1}) as seen:
        reply = api.post("/v1/claims", {"code": code}, as_=tourist)
    assert seen == {fault: 1}
    _credited_once(api, tourist, reply)
    assert reply.body["already_credited"] is False  # a lost reply's retry is a no-op, not a repeat


def test_given_contention_that_never_ends_then_busy_409_and_nothing_written(api, register):
    tourist, code = register(), _ticket_code()
    with faults.scripted(match="BEHAVIOUR#", conflict=50):
        reply = api.post("/v1/claims", {"code": code}, as_=tourist)
    assert (reply.status, reply.error_code) == (409, "busy")
    assert api.get("/v1/me/ledger", as_=tourist).body["items"] == []
    again = api.post("/v1/claims", {"code": code}, as_=tourist)  # the tourist scans again
    _credited_once(api, tourist, again)


def test_given_a_lost_reply_after_the_token_window_then_the_record_answers_already_credited(
        api, register, monkeypatch):
    """Past DynamoDB's 10-minute window the token no longer helps: the record's own condition
    refuses the second write and the tourist is answered with the claim made."""
    from infra.local import moto_atomic

    tourist, code = register(), _ticket_code()
    monkeypatch.setattr(moto_atomic, "TOKEN_WINDOW_SECONDS", -1)
    with faults.scripted(match="BEHAVIOUR#", lost_reply=1):
        reply = api.post("/v1/claims", {"code": code}, as_=tourist)
    _credited_once(api, tourist, reply, status=200)  # the claim made, as a repeat scan is answered
    assert reply.body["already_credited"] is True
