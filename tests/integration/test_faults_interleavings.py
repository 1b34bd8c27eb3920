"""A property of the whole write path: random interleavings of claims, file rows, redemptions,
refunds and donations, run concurrently under random faults (conflicts, throttling, lost
replies, duplicate deliveries), leave every wallet equal to the sum of its ledger and the totals
equal to the sum of the ledgers — whatever was refused or retried along the way."""

from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tanhui.claims import factors
from tanhui.models.behaviour import BehaviourRecord, ledger_pk
from tanhui.models.offers import Voucher, VoucherExpiry
from tanhui.models.wallet import Wallet

from infra.local import faults
from tests.factories import make_asset, single_use
from tests.support import import_file

TOURISTS = 4
OFFER = {"title": "茶 Tea", "description": "A pot.", "coins_cost": 2, "stock": 50,
         "valid_from": "2020-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z", "voucher_valid_days": 7}
KINDS = ("claim", "claim", "file_row", "redeem", "refund", "donate")


@pytest.fixture
def world(aws, api, admin, register, make_partner) -> dict[str, Any]:
    """Tourists with coins, a spot, a hotel, a café's offer and an open project: made once for all
    the examples (hypothesis runs them inside one call of the test)."""
    factors.seed_defaults()
    tourists = [register() for _ in range(TOURISTS)]
    for t in tourists:
        Wallet(*Wallet.key(t.user_id)).update(actions=[Wallet.coins.add(40)])
    spot, hotel, cafe = make_partner("scenic_spot"), make_partner("hotel"), make_partner("merchant")
    offer = api.post("/v1/partner/offers", OFFER, as_=cafe).body["offer_id"]
    project = api.post("/v1/admin/projects", {"name": "海岸 Coast", "description": "Dunes.",
                                              "goal_coins": 10_000}, as_=admin).body["project_id"]
    return {"tourists": tourists, "funded": {t.user_id: 40 for t in tourists}, "spot": spot, "hotel": hotel,
            "offer": offer, "project": project, "nights": Counter()}


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def _run(op: tuple[str, int], world: dict[str, Any], api, dispatcher, asset, codes: list[str]) -> int:
    """One operation; returns its HTTP status (or 0 for a worker step)."""
    kind, who = op
    tourist = world["tourists"][who]
    if kind == "claim":
        return api.post("/v1/claims", {"code": codes.pop()}, as_=tourist).status
    if kind == "redeem":
        return api.post("/v1/redemptions", {"offer_id": world["offer"]}, as_=tourist, headers=_key()).status
    if kind == "donate":
        body = {"project_id": world["project"], "coins": 1 + who}
        return api.post("/v1/donations", body, as_=tourist, headers=_key()).status
    if kind == "refund":  # the tourist's newest voucher expires and the hourly refund runs
        mine = api.get("/v1/me/vouchers", as_=tourist).body["items"]
        issued = [v for v in mine if v["status"] == "issued"]
        if issued:
            _expire(issued[0]["voucher_id"])
        event = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
        dispatcher.functions["RefundFunction"].invoke(event)
        return 0
    raise AssertionError(kind)


def _expire(voucher_id: str) -> None:
    item = Voucher.get(*Voucher.key(voucher_id), consistent_read=True)
    past = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    VoucherExpiry(*VoucherExpiry.key(item.valid_until, voucher_id)).delete()
    item.update(actions=[Voucher.valid_until.set(past)])
    VoucherExpiry(*VoucherExpiry.key(past, voucher_id), voucher_id=voucher_id, valid_until=past).save()


def _file(world: dict[str, Any], api, dispatcher, rows: list[int], room: str) -> dict[str, Any]:
    lines = ["guest,room,check_in,nights"]
    for who in rows:
        world["nights"][who] += 1  # each row a night of its own: never a duplicate of another
        night = (datetime.now(UTC) + timedelta(hours=8) - timedelta(days=10 + world["nights"][who])).date()
        lines.append(f"{world['tourists'][who].phone},{room},{night.isoformat()},1")
    return import_file(api, dispatcher, world["hotel"], "hotel_stays", ("\n".join(lines) + "\n").encode())


def _ledger(user_id: str) -> list[BehaviourRecord]:
    return list(BehaviourRecord.ledger.query(ledger_pk(user_id)))


@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    ops=st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, TOURISTS - 1)), min_size=4, max_size=14),
    rates=st.fixed_dictionaries({k: st.sampled_from([0.0, 0.1, 0.3]) for k in
                                 ("conflict", "throttle", "lost_reply", "duplicate")}),
    seed=st.integers(0, 2**16),
)
def test_given_random_interleavings_under_random_faults_then_wallets_and_totals_match_the_ledgers(
        world, api, stream_dispatcher, ops, rates, seed):
    spot = world["spot"]
    asset = make_asset(spot.partner_id, "ticket_product")
    room = uuid.uuid4().hex[:6].upper()
    make_asset(world["hotel"].partner_id, "hotel_room", attributes={"room_number": room})
    codes = single_use(asset, sum(1 for k, _ in ops if k == "claim"))
    file_rows = [who for k, who in ops if k == "file_row"]
    spec = ",".join(f"{k}:{v}" for k, v in rates.items() if v)

    faults.configure(spec, seed=seed)
    try:
        with ThreadPoolExecutor(4) as pool:
            statuses = list(pool.map(
                lambda op: _run(op, world, api, stream_dispatcher, asset, codes),
                [op for op in ops if op[0] != "file_row"]))
            job = _file(world, api, stream_dispatcher, file_rows, room) if file_rows else None
    finally:
        faults.configure("")
    stream_dispatcher.drain()

    assert all(s < 500 for s in statuses), statuses  # refused (409 busy, 409 insufficient…), never a 5xx
    if job is not None:
        assert job["status"] == "completed", job
    for tourist in world["tourists"]:
        entries = _ledger(tourist.user_id)
        assert len({e.pk for e in entries}) == len(entries)  # no behaviour counted twice
        coins = int(Wallet.get(*Wallet.key(tourist.user_id), consistent_read=True).coins)
        assert coins == world["funded"][tourist.user_id] + sum(int(e.coins) for e in entries)
    earned = [e for t in world["tourists"] for e in _ledger(t.user_id)
              if e.kind == "earn" and e.asset_id == asset.asset_id]
    days = sorted({(datetime.fromisoformat(e.occurred_at.replace("Z", "+00:00")) + timedelta(hours=8)).date()
                   for e in earned})
    if days:
        query = {"from": days[0].isoformat(), "to": days[-1].isoformat(), "group_by": "asset"}
        groups = {g["key"]: g for g in api.get("/v1/partner/totals", as_=spot, query=query).body["groups"]}
        got = groups.get(asset.asset_id, {"count": 0, "coins": 0, "gco2e": 0})
        assert (got["count"], got["coins"], got["gco2e"]) == (
            len(earned), sum(int(e.coins) for e in earned), sum(int(e.gco2e) for e in earned))
