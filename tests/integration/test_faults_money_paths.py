"""Every money path under injected faults (`infra.local.faults`): each fault once, and the outcome
is exactly once — one credit, one voucher, one consumption, one refund, one donation, one
aggregation — with the wallet equal to the sum of its ledger. Duplicate deliveries of every queue
and of the stream change nothing the first delivery did not."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from tanhui.claims import factors
from tanhui.models.behaviour import BehaviourRecord, ledger_pk
from tanhui.models.offers import Voucher, VoucherExpiry
from tanhui.models.reductions import STATS_SK, UserStats
from tanhui.models.wallet import Wallet

from infra.local import faults, moto_atomic
from tests.factories import make_asset, single_use
from tests.support import import_file

# lost_reply_late: the reply is lost and the retry comes after DynamoDB's 10-minute token window,
# so only the path's own conditions keep it exactly once
FAULTS = ["conflict", "throttle", "lost_reply", "lost_reply_late"]
OFFER = {"title": "咖啡 Coffee", "description": "A cup.", "coins_cost": 3, "stock": 10,
         "valid_from": "2020-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z",
         "voucher_valid_days": 7}


@pytest.fixture(scope="module", autouse=True)
def _ready(aws):
    factors.seed_defaults()


@contextmanager
def _injected(fault: str, match: str | None, monkeypatch) -> Iterator[None]:
    """`fault` once on the next transaction that mentions `match`; asserts it happened."""
    kind = "lost_reply" if fault == "lost_reply_late" else fault
    if fault == "lost_reply_late":
        monkeypatch.setattr(moto_atomic, "TOKEN_WINDOW_SECONDS", -1)
    with faults.scripted(match=match, **{kind: 1}) as seen:
        yield
    monkeypatch.undo()
    assert seen == {kind: 1}


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def _fund(who, coins: int) -> None:
    Wallet(*Wallet.key(who.user_id)).update(actions=[Wallet.coins.add(coins)])


def _ledger(user_id: str) -> list[BehaviourRecord]:
    return list(BehaviourRecord.ledger.query(ledger_pk(user_id), consistent_read=False))


def _wallet_is_its_ledger(user_id: str, funded: int = 0) -> int:
    """wallet = Σ ledger (+ what the test put in by hand); returns the coins."""
    coins = int(Wallet.get(*Wallet.key(user_id), consistent_read=True).coins)
    assert coins == funded + sum(int(r.coins) for r in _ledger(user_id))
    return coins


def _today() -> str:
    return (datetime.now(UTC) + timedelta(hours=8)).date().isoformat()


# ------------------------------------------------------------------------------ file rows
@pytest.mark.parametrize("fault", FAULTS)
def test_given_a_fault_on_a_file_block_then_every_row_is_credited_once(
        api, dispatcher, register, make_partner, fault, monkeypatch):
    hotel = make_partner("hotel")
    make_asset(hotel.partner_id, "hotel_room", attributes={"room_number": "801"})
    guests = [register() for _ in range(3)]
    night = (datetime.now(UTC) + timedelta(hours=8) - timedelta(days=3)).date().isoformat()
    data = ("guest,room,check_in,nights\n" + "".join(f"{g.phone},801,{night},1\n" for g in guests)).encode()
    with _injected(fault, "BEHAVIOUR#", monkeypatch):
        job = import_file(api, dispatcher, hotel, "hotel_stays", data)
    assert (job["status"], job["counts"]["credited"], job["counts"]["duplicate"]) == ("completed", 3, 0), job
    for guest in guests:
        [entry] = _ledger(guest.user_id)
        assert entry.kind == "earn" and _wallet_is_its_ledger(guest.user_id) == int(entry.coins) > 0


# ---------------------------------------------------------------------- spending: redemption
@pytest.mark.parametrize("fault", FAULTS)
def test_given_a_fault_on_a_redemption_then_one_voucher_one_spend_and_stock_down_by_one(
        api, make_partner, register, fault, monkeypatch):
    cafe, tourist = make_partner("merchant"), register()
    offer = api.post("/v1/partner/offers", OFFER, as_=cafe).body
    _fund(tourist, 10)
    with _injected(fault, offer["offer_id"], monkeypatch):
        reply = api.post("/v1/redemptions", {"offer_id": offer["offer_id"]}, as_=tourist, headers=_key())
    assert reply.status == 201, reply.body
    assert [v["voucher_id"] for v in api.get("/v1/me/vouchers", as_=tourist).body["items"]] == [
        reply.body["voucher_id"]]
    assert [int(r.coins) for r in _ledger(tourist.user_id)] == [-3]
    assert _wallet_is_its_ledger(tourist.user_id, funded=10) == 7
    assert api.get(f"/v1/offers/{offer['offer_id']}", as_=tourist).body["stock"] == 9


@pytest.mark.parametrize("fault", FAULTS)
def test_given_a_fault_at_the_till_then_the_voucher_is_consumed_once(api, make_partner, register, fault,
                                                                     monkeypatch):
    cafe, tourist = make_partner("merchant"), register()
    offer = api.post("/v1/partner/offers", OFFER, as_=cafe).body
    _fund(tourist, 3)
    voucher = api.post("/v1/redemptions", {"offer_id": offer["offer_id"]}, as_=tourist, headers=_key()).body
    with _injected(fault, voucher["voucher_id"], monkeypatch):
        reply = api.post("/v1/partner/vouchers/consume", {"code": voucher["code"]}, as_=cafe, headers=_key())
    assert reply.status == 200, reply.body
    assert Voucher.get(*Voucher.key(voucher["voucher_id"])).status == "consumed"
    again = api.post("/v1/partner/vouchers/consume", {"code": voucher["code"]}, as_=cafe, headers=_key())
    assert again.error_code == "voucher_used"


@pytest.mark.parametrize("fault", FAULTS)
def test_given_a_fault_on_a_refund_then_the_coins_come_back_once(
        api, make_partner, register, functions, fault, monkeypatch):
    cafe, tourist = make_partner("merchant"), register()
    offer = api.post("/v1/partner/offers", OFFER, as_=cafe).body
    _fund(tourist, 3)
    voucher = api.post("/v1/redemptions", {"offer_id": offer["offer_id"]}, as_=tourist, headers=_key()).body
    item = Voucher.get(*Voucher.key(voucher["voucher_id"]))
    past = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    VoucherExpiry(*VoucherExpiry.key(item.valid_until, item.voucher_id)).delete()
    item.update(actions=[Voucher.valid_until.set(past)])
    VoucherExpiry(*VoucherExpiry.key(past, item.voucher_id), voucher_id=item.voucher_id,
                  valid_until=past).save()
    event = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
    with _injected(fault, voucher["voucher_id"], monkeypatch):
        functions["RefundFunction"].invoke(event)
    functions["RefundFunction"].invoke(event)
    assert sorted(int(r.coins) for r in _ledger(tourist.user_id)) == [-3, 3]
    assert _wallet_is_its_ledger(tourist.user_id, funded=3) == 3


# ------------------------------------------------------------------------------- donations
@pytest.mark.parametrize("fault", FAULTS)
def test_given_a_fault_on_a_donation_then_one_donation_one_spend_and_the_project_counts_it_once(
        api, admin, register, fault, monkeypatch):
    project = api.post("/v1/admin/projects", {"name": "湿地 Wetland", "description": "Birds.",
                                              "goal_coins": 100}, as_=admin).body["project_id"]
    tourist = register()
    _fund(tourist, 10)
    with _injected(fault, project, monkeypatch):
        reply = api.post("/v1/donations", {"project_id": project, "coins": 4}, as_=tourist, headers=_key())
    assert reply.status == 201, reply.body
    assert [int(r.coins) for r in _ledger(tourist.user_id)] == [-4]
    assert _wallet_is_its_ledger(tourist.user_id, funded=10) == 6
    shown = next(p for p in api.get("/v1/projects", as_=tourist, query={"limit": "100"}).body["items"]
                 if p["project_id"] == project)
    assert (shown["raised_coins"], shown["donations"], shown["donors"]) == (4, 1, 1)


# ------------------------------------------------------------------------------ aggregation
@pytest.mark.parametrize("fault", [*FAULTS, "duplicate"])
def test_given_a_fault_on_the_aggregation_then_each_credit_counts_once(
        api, stream_dispatcher, register, make_partner, fault, monkeypatch):
    spot = make_partner("scenic_spot")
    asset = make_asset(spot.partner_id, "ticket_product")
    tourist = register()
    for code in single_use(asset, 2):
        assert api.post("/v1/claims", {"code": code}, as_=tourist).status == 201
    with _injected(fault, None if fault == "duplicate" else STATS_SK, monkeypatch):
        stream_dispatcher.drain()
    assert UserStats.get(*UserStats.key(tourist.user_id)).credits == 2
    query = {"from": _today(), "to": _today(), "group_by": "asset"}
    reply = api.get("/v1/partner/totals", as_=spot, query=query)
    [group] = reply.body["groups"]
    assert (group["key"], group["count"]) == (asset.asset_id, 2)


# ------------------------------------------------------------------- queues delivered twice
def test_given_a_partner_file_delivered_twice_then_its_rows_are_credited_once(
        api, dispatcher, register, make_partner):
    hotel = make_partner("hotel")
    make_asset(hotel.partner_id, "hotel_room", attributes={"room_number": "802"})
    guest = register()
    night = (datetime.now(UTC) + timedelta(hours=8) - timedelta(days=4)).date().isoformat()
    with faults.scripted(duplicate=1) as seen:
        job = import_file(api, dispatcher, hotel, "hotel_stays",
                          f"guest,room,check_in,nights\n{guest.phone},802,{night},1\n".encode())
    assert seen == {"duplicate": 1}
    assert (job["status"], job["counts"]["credited"], job["counts"]["duplicate"]) == ("completed", 1, 0), job
    assert len(_ledger(guest.user_id)) == 1 and _wallet_is_its_ledger(guest.user_id) > 0


def test_given_a_print_batch_delivered_twice_then_one_batch_of_codes(api, dispatcher, make_partner):
    spot = make_partner("scenic_spot")
    asset = make_asset(spot.partner_id, "ticket_product")
    ordered = api.post("/v1/partner/code-batches", {"asset_id": asset.asset_id, "count": 30}, as_=spot)
    assert ordered.status in (201, 202), ordered.body
    with faults.scripted(duplicate=1) as seen:
        dispatcher.drain()
    assert seen == {"duplicate": 1}
    batch = api.get(f"/v1/partner/code-batches/{ordered.body['batch_id']}", as_=spot).body
    assert (batch["status"], batch["codes_done"], batch["chunks_total"]) == ("done", 30, 1), batch


def test_given_an_export_delivered_twice_then_one_export(api, dispatcher, admin):
    today = _today()
    made = api.post("/v1/admin/exports", {"from": today, "to": today}, as_=admin)
    assert made.status == 202, made.body
    with faults.scripted(duplicate=1) as seen:
        dispatcher.drain()
    assert seen == {"duplicate": 1}
    export = api.get(f"/v1/admin/exports/{made.body['export_id']}", as_=admin).body
    assert export["status"] == "completed", export


# -------------------------------------------------------- a crash after the write, then a retry
def test_given_a_redemption_that_crashed_after_its_write_when_retried_with_its_key_then_the_same_voucher(
        api, make_partner, register, monkeypatch):
    """The key's record is written in the redemption's own plan: a first attempt that wrote and
    then died leaves a key that answers with its voucher; the retry never makes a second."""
    from tanhui.spending import redemptions, vouchers

    cafe, tourist = make_partner("merchant"), register()
    offer = api.post("/v1/partner/offers", OFFER, as_=cafe).body
    _fund(tourist, 10)
    headers, real_out = _key(), vouchers.out

    def dies_after_the_write(*args, **kwargs):
        raise RuntimeError("the function died after its write")

    monkeypatch.setattr(redemptions.vouchers, "out", dies_after_the_write)
    first = api.post("/v1/redemptions", {"offer_id": offer["offer_id"]}, as_=tourist, headers=headers)
    monkeypatch.setattr(redemptions.vouchers, "out", real_out)
    again = api.post("/v1/redemptions", {"offer_id": offer["offer_id"]}, as_=tourist, headers=headers)

    assert first.status == 500 and again.status == 200, again.body
    assert [v["voucher_id"] for v in api.get("/v1/me/vouchers", as_=tourist).body["items"]] == [
        again.body["voucher_id"]]
    assert _wallet_is_its_ledger(tourist.user_id, funded=10) == 7


# ------------------------------------------------------------------- S3 and SQS failing
def test_given_the_queue_failing_when_a_print_batch_is_ordered_then_503_and_the_batch_is_failed_not_pending(
        api, make_partner):
    spot = make_partner("scenic_spot")
    asset = make_asset(spot.partner_id, "ticket_product")
    with faults.scripted(sqs=1) as seen:
        reply = api.post("/v1/partner/code-batches", {"asset_id": asset.asset_id, "count": 10}, as_=spot)
    assert seen == {"sqs": 1}
    assert (reply.status, reply.error_code) == (503, "unavailable")
    listed = api.get("/v1/partner/code-batches", as_=spot).body["items"]
    assert [b["status"] for b in listed] == ["failed"]


def test_given_s3_failing_when_a_file_is_imported_then_the_redelivery_imports_it_once(
        api, dispatcher, register, make_partner, monkeypatch):
    hotel = make_partner("hotel")
    make_asset(hotel.partner_id, "hotel_room", attributes={"room_number": "803"})
    guest = register()
    night = (datetime.now(UTC) + timedelta(hours=8) - timedelta(days=5)).date().isoformat()
    monkeypatch.setattr(dispatcher, "redelivery_seconds", 0)  # the queue's redelivery, without the wait
    with faults.scripted(s3=1) as seen:
        job = import_file(api, dispatcher, hotel, "hotel_stays",
                          f"guest,room,check_in,nights\n{guest.phone},803,{night},1\n".encode())
    assert seen == {"s3": 1}
    assert (job["status"], job["counts"]["credited"]) == ("completed", 1), job
    assert len(_ledger(guest.user_id)) == 1
