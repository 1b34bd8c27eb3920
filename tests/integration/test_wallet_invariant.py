"""The wallet invariant after a mixed run of every way coins move: scans, a partner file,
redemptions (some concurrent, some refused), refunds of expired vouchers (the schedule firing
twice) and donations — for every user, coins = Σ earn − Σ spend + Σ refund over the ledger
(a donation is a spend entry naming its project)."""

from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from tanhui.claims import factors
from tanhui.models.offers import Voucher, VoucherExpiry
from tanhui.models.wallet import Wallet

from tests.factories import make_asset, single_use, static
from tests.support import import_file

OFFER = {
    "title": "豆浆 Soy milk",
    "description": "",
    "coins_cost": 2,
    "stock": 100,
    "valid_from": "2020-01-01T00:00:00Z",
    "valid_until": "2099-01-01T00:00:00Z",
    "voucher_valid_days": 7,
}
PROJECT = {"name": "红树林 Mangroves", "description": "Replant the estuary.", "goal_coins": 10_000}


@pytest.fixture(scope="module", autouse=True)
def _ready(aws):
    factors.seed_defaults()


def _ledger(api, who) -> list[dict]:
    entries, cursor = [], None
    while True:
        page = api.get(
            "/v1/me/ledger", as_=who, query={"limit": "100", **({"cursor": cursor} if cursor else {})}
        )
        assert page.status == 200, page.body
        entries += page.body["items"]
        cursor = page.body["next_cursor"]
        if not cursor:
            return entries


def _expire(voucher_id: str) -> None:
    """As if the voucher had been issued long ago (its expiry marker moves with it)."""
    item = Voucher.get(*Voucher.key(voucher_id))
    past = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    VoucherExpiry(*VoucherExpiry.key(item.valid_until, voucher_id)).delete()
    VoucherExpiry(*VoucherExpiry.key(past, voucher_id), voucher_id=voucher_id, valid_until=past).save()
    item.update(actions=[Voucher.valid_until.set(past)])


def test_given_scans_files_redemptions_refunds_and_donations_then_every_wallet_equals_its_ledger(
    aws, api, admin, functions, register, make_partner
):
    from infra.local import cfn
    from infra.local.dispatcher import Dispatcher

    tourists = [register() for _ in range(6)]
    spot, hotel, cafe = make_partner("scenic_spot"), make_partner("hotel"), make_partner("merchant")
    tickets = single_use(make_asset(spot.partner_id, "ticket_product"), 3 * len(tourists))
    room = make_asset(hotel.partner_id, "hotel_room", attributes={"room_number": "301"})

    # earn: three tickets and tonight's room each, then three earlier nights from the hotel's file
    def scan(i: int) -> list[int]:
        codes = [*tickets[3 * i : 3 * i + 3], static(room)]
        return [api.post("/v1/claims", {"code": c}, as_=tourists[i]).status for c in codes]

    with ThreadPoolExecutor(6) as pool:
        assert all(s == 201 for statuses in pool.map(scan, range(6)) for s in statuses)
    night = (datetime.now(UTC) + timedelta(hours=8) - timedelta(days=6)).date().isoformat()
    rows = "".join(f"{t.phone},301,{night},3\n" for t in tourists)
    dispatcher = Dispatcher(aws, cfn.load_template(), functions, streams=False)
    filed = import_file(api, dispatcher, hotel, "hotel_stays", f"guest,room,check_in,nights\n{rows}".encode())
    assert filed["counts"]["credited"] == 6, filed

    # spend: two vouchers each, raced, plus one the wallet cannot afford
    assert (
        api.put(f"/v1/admin/partners/{cafe.partner_id}/alliance", {"alliance": True}, as_=admin).status == 200
    )
    offer = api.post("/v1/partner/offers", OFFER, as_=cafe).body["offer_id"]

    def redeem(i: int) -> int:
        headers = {"Idempotency-Key": str(uuid.uuid4())}
        return api.post("/v1/redemptions", {"offer_id": offer}, as_=tourists[i % 6], headers=headers).status

    with ThreadPoolExecutor(6) as pool:
        assert sorted(pool.map(redeem, range(12))) == [201] * 12
    big = api.post("/v1/partner/offers", OFFER | {"coins_cost": 500}, as_=cafe).body["offer_id"]
    refused = api.post(
        "/v1/redemptions", {"offer_id": big}, as_=tourists[0], headers={"Idempotency-Key": "k-big"}
    )
    assert refused.error_code == "insufficient_coins"

    # refund: three tourists' first vouchers expire; the schedule fires twice
    for t in tourists[:3]:
        _expire(api.get("/v1/me/vouchers", as_=t).body["items"][0]["voucher_id"])
    dispatcher.run_schedules(datetime.now(UTC) + timedelta(days=1))
    dispatcher.run_schedules(datetime.now(UTC) + timedelta(days=2))

    # donate: three coins each, raced, and one the wallet cannot afford
    project = api.post("/v1/admin/projects", PROJECT, as_=admin).body["project_id"]

    def donate(i: int) -> int:
        headers = {"Idempotency-Key": str(uuid.uuid4())}
        return api.post(
            "/v1/donations", {"project_id": project, "coins": 3}, as_=tourists[i], headers=headers
        ).status

    with ThreadPoolExecutor(6) as pool:
        assert sorted(pool.map(donate, range(6))) == [201] * 6
    too_much = {"project_id": project, "coins": 10_000}
    headers = {"Idempotency-Key": "k-much"}
    assert api.post("/v1/donations", too_much, as_=tourists[1], headers=headers).status == 409

    ticket, night_f = (
        factors.factor_for(b, datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"))
        for b in ("ticket_non_disposable", "hotel_low_carbon_night")
    )
    earned = 3 * int(ticket.coins_per_unit) + 4 * int(night_f.coins_per_unit)
    for i, t in enumerate(tourists):
        entries = _ledger(api, t)
        kinds = Counter(e["kind"] for e in entries)
        by_kind = Counter()
        for e in entries:
            by_kind[e["kind"]] += e["coins"]
        wallet = Wallet.get(*Wallet.key(t.user_id), consistent_read=True)
        assert int(wallet.coins) == sum(e["coins"] for e in entries) >= 0, (i, kinds)
        assert by_kind["earn"] == earned
        refunds = 2 if i < 3 else 0
        assert (by_kind["spend"], by_kind["refund"]) == (-(2 * 2 + 3), refunds), (i, by_kind)
        assert int(wallet.coins) == earned - 7 + refunds
        assert int(wallet.spent_coins) == 7 - refunds
