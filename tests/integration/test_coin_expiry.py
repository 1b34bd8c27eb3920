"""Coin expiry (积分有效期, issue 22): the operator's policy, lots by local year, spending oldest
first, the daily job expiring each wallet's lot exactly once (fired twice, or twice at once),
wallet = Σ ledger throughout, and the tourist told what expires when."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from tanhui.claims import factors, scan
from tanhui.claims.schemas import ClaimIn
from tanhui.models.base import utc_now
from tanhui.models.wallet import Wallet
from tanhui.models.writes import WritePlan, retrying
from tanhui.wallet import account, expiry

from tests.factories import make_asset, single_use

NEXT_YEAR = {"expiry": "end_of_next_year"}
EVENT = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}


@pytest.fixture(autouse=True)
def _no_policy_left(aws, api, admin):
    """Each test starts, and leaves, with no expiry in force (other tests' wallets hold coins)."""
    factors.seed_defaults()
    yield
    assert api.put("/v1/admin/coin-policy", {"expiry": "none"}, as_=admin).status == 200


def _ledger(api, who) -> list[dict]:
    entries, cursor = [], None
    while True:
        query = {"limit": "100", **({"cursor": cursor} if cursor else {})}
        page = api.get("/v1/me/ledger", as_=who, query=query)
        entries += page.body["items"]
        cursor = page.body["next_cursor"]
        if not cursor:
            return entries


def _wallet_is_its_ledger(api, who) -> dict:
    wallet = api.get("/v1/me/wallet", as_=who).body
    assert wallet["coins"] == sum(e["coins"] for e in _ledger(api, who)) >= 0
    return wallet


def _earn(who, codes: list[str], at: datetime) -> None:
    """Tickets scanned at `at` (the claim's own path: its lot is `at`'s local year)."""
    for code in codes:
        scan.claim(who.user_id, ClaimIn(code=code), at=at)


def test_given_a_tourist_or_partner_when_they_touch_the_coin_policy_then_403(api, register, make_partner):
    for who in (register(), make_partner("merchant")):
        assert api.get("/v1/admin/coin-policy", as_=who).status == 403
        assert api.put("/v1/admin/coin-policy", NEXT_YEAR, as_=who).status == 403


def test_given_the_operator_when_setting_the_policy_then_each_change_is_a_version_with_who_and_when(
    api, admin
):
    before = api.get("/v1/admin/coin-policy", as_=admin).body["current"]["version"]
    set_ = api.put("/v1/admin/coin-policy", {"expiry": "years_after", "years": 2}, as_=admin)
    assert set_.status == 200, set_.body
    assert (set_.body["expiry"], set_.body["years"], set_.body["version"]) == ("years_after", 2, before + 1)
    listed = api.get("/v1/admin/coin-policy", as_=admin).body
    assert listed["current"] == set_.body
    assert listed["current"]["created_by"] == admin.user_id and listed["current"]["created_at"]
    assert listed["current"]["created_by_name"] == "Op"  # the operator's display name, not an id
    assert [v["version"] for v in listed["versions"]][:2] == [before + 1, before]


@pytest.mark.parametrize("body", [
    {"expiry": "years_after"}, {"expiry": "end_of_next_year", "years": 1},
    {"expiry": "years_after", "years": "2"}, {"expiry": "years_after", "years": 0},
    {"expiry": "years_after", "years": 11}, {"expiry": "months", "months": 24}, {"expiry": "none", "x": 1},
    {},
])
def test_given_a_bad_policy_then_422_and_nothing_changes(api, admin, body):
    before = api.get("/v1/admin/coin-policy", as_=admin).body["current"]
    reply = api.put("/v1/admin/coin-policy", body, as_=admin)
    assert (reply.status, reply.error_code) == (422, "validation_error"), reply.body
    assert api.get("/v1/admin/coin-policy", as_=admin).body["current"] == before


def test_given_lots_of_three_years_then_spent_oldest_first_and_the_schedule_fired_twice_expires_once(
    api, admin, register, make_partner, functions
):
    tourist = register()
    spot = make_partner("scenic_spot")
    tickets = single_use(make_asset(spot.partner_id, "ticket_product"), 12)
    _earn(tourist, tickets[:5], datetime(2024, 6, 1, 2, tzinfo=UTC))  # lot 2024: 5
    _earn(tourist, tickets[5:9], datetime(2025, 6, 1, 2, tzinfo=UTC))  # lot 2025: 4
    for code in tickets[9:]:  # lot of this year: 3
        assert api.post("/v1/claims", {"code": code}, as_=tourist).status == 201
    this_year = datetime.now(UTC).astimezone(expiry.lots.LOCAL).year
    assert _wallet_is_its_ledger(api, tourist)["next_expiry"] is None  # no policy: nothing expires

    assert api.put("/v1/admin/coin-policy", NEXT_YEAR, as_=admin).status == 200
    account.debit(tourist.user_id, 2, reference="EXPIRYTEST-1")  # oldest first: from 2024's lot
    wallet = _wallet_is_its_ledger(api, tourist)
    assert wallet["coins"] == 10
    assert wallet["next_expiry"] == {"coins": 3, "at": "2025-12-31T16:00:00Z"}  # 2024's: due now

    first, second = (functions["ExpiryFunction"].invoke(EVENT) for _ in range(2))
    assert first["entries"] >= 1 and first["coins"] >= 3
    assert (second["entries"], second["coins"]) == (0, 0)  # fired again: nothing twice
    mine = [e for e in _ledger(api, tourist) if e["kind"] == "expire"]
    assert [(e["coins"], e["evidence"]["lot"]) for e in mine] == [(-3, 2024)]
    wallet = _wallet_is_its_ledger(api, tourist)
    assert (wallet["coins"], wallet["expired_coins"], wallet["spent_coins"]) == (7, 3, 2)
    if this_year == 2026:
        assert wallet["next_expiry"] == {"coins": 4, "at": "2026-12-31T16:00:00Z"}

    # 5 more spent: all of 2025's lot, then 1 of this year's
    account.debit(tourist.user_id, 5, reference="EXPIRYTEST-2")
    wallet = _wallet_is_its_ledger(api, tourist)
    assert wallet["next_expiry"]["coins"] == 2
    assert wallet["next_expiry"]["at"] == f"{this_year + 1}-12-31T16:00:00Z"


def test_given_coins_refunded_into_a_lot_that_expired_then_the_next_run_expires_them_with_a_second_entry(
    api, admin, register, make_partner
):
    tourist = register()
    spot = make_partner("scenic_spot")
    tickets = single_use(make_asset(spot.partner_id, "ticket_product"), 6)
    _earn(tourist, tickets[:4], datetime(2024, 3, 1, 2, tzinfo=UTC))  # lot 2024: 4
    _earn(tourist, tickets[4:], datetime(2025, 3, 1, 2, tzinfo=UTC))  # lot 2025: 2
    account.debit(tourist.user_id, 3, reference="EXPIRYTEST-R")  # 3 of 2024's
    assert api.put("/v1/admin/coin-policy", NEXT_YEAR, as_=admin).status == 200
    at = datetime(2027, 1, 1, 0, 5, tzinfo=UTC)  # 2024's and 2025's lots are both due
    expiry.run(at=at)
    assert _wallet_is_its_ledger(api, tourist)["coins"] == 0

    plan = WritePlan("voucher_refund", key=("EXPIRYTEST-R",))  # as a voucher expiry refund does
    account.add_movement(plan, tourist.user_id, 3, kind="refund", reference="EXPIRYTEST-R", now=utc_now(),
                         channel="voucher_expiry")
    retrying(plan.send, operation="voucher_refund")
    # a refund gives back the coins last taken: here the expiries' (1 of 2024's, 2 of 2025's)
    assert _wallet_is_its_ledger(api, tourist)["next_expiry"] == {"coins": 1, "at": "2025-12-31T16:00:00Z"}
    expiry.run(at=at)
    expiry.run(at=at)
    mine = sorted((e["evidence"]["lot"], e["coins"]) for e in _ledger(api, tourist) if e["kind"] == "expire")
    assert mine == [(2024, -1), (2024, -1), (2025, -2), (2025, -2)]
    wallet = _wallet_is_its_ledger(api, tourist)
    assert (wallet["coins"], wallet["expired_coins"], wallet["next_expiry"]) == (0, 6, None)


def test_given_two_runs_at_once_and_spends_between_then_each_lot_expires_exactly_once(api, admin, register,
                                                                                     make_partner):
    tourists = [register() for _ in range(4)]
    spot = make_partner("scenic_spot")
    tickets = single_use(make_asset(spot.partner_id, "ticket_product"), 5 * len(tourists))
    for i, t in enumerate(tourists):
        _earn(t, tickets[5 * i: 5 * i + 5], datetime(2024, 9, 1, 2, tzinfo=UTC))
    assert api.put("/v1/admin/coin-policy", NEXT_YEAR, as_=admin).status == 200

    def spend(i: int) -> None:
        account.debit(tourists[i].user_id, 1, reference=f"EXPIRYTEST-C{i}")

    with ThreadPoolExecutor(6) as pool:
        runs = [pool.submit(expiry.run, segments=2) for _ in range(2)] + [pool.submit(spend, 0)]
        for r in runs:
            try:
                r.result()
            except Exception as exc:  # a spend after the expiry finds no coins: that is fine
                assert getattr(exc, "code", "") == "insufficient_coins", exc
    for t in tourists:
        entries = [e for e in _ledger(api, t) if e["kind"] == "expire"]
        wallet = _wallet_is_its_ledger(api, t)
        assert len(entries) == 1 and wallet["coins"] == 0, entries
        assert int(Wallet.get(*Wallet.key(t.user_id)).expired_coins) == -entries[0]["coins"]


def test_given_one_wallet_busy_after_every_retry_then_the_run_goes_on_and_the_next_takes_it(
    api, admin, register, make_partner, monkeypatch
):
    from tanhui import errors

    tourists = [register() for _ in range(3)]
    spot = make_partner("scenic_spot")
    tickets = single_use(make_asset(spot.partner_id, "ticket_product"), len(tourists))
    for t, code in zip(tourists, tickets, strict=True):
        _earn(t, [code], datetime(2024, 9, 1, 2, tzinfo=UTC))
    assert api.put("/v1/admin/coin-policy", NEXT_YEAR, as_=admin).status == 200
    busy = tourists[0].user_id
    sent = expiry.retrying

    def contended(send, **kwargs):
        if send.__self__.key[0].startswith(busy):
            raise errors.Busy()
        return sent(send, **kwargs)

    monkeypatch.setattr(expiry, "retrying", contended)
    first = expiry.run()
    assert first.left >= 1
    assert [_wallet_is_its_ledger(api, t)["coins"] for t in tourists] == [1, 0, 0]
    monkeypatch.setattr(expiry, "retrying", sent)
    expiry.run()
    assert [_wallet_is_its_ledger(api, t)["coins"] for t in tourists] == [0, 0, 0]
