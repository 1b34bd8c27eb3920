"""Spending coins: offers, the redemption transaction, vouchers at the till, refunds."""

from __future__ import annotations

import base64
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from tanhui.codes import token
from tanhui.models.offers import Voucher
from tanhui.models.wallet import Wallet

from tests.support import decode_png

OFFER = {"title": "绿茶一杯 Green tea", "description": "At the café by the lake.", "coins_cost": 3,
         "stock": 10, "valid_from": "2020-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z",
         "voucher_valid_days": 7}


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def give(session, coins: int) -> None:
    Wallet(*Wallet.key(session.user_id)).update(actions=[Wallet.coins.add(coins)])


def coins(api, session) -> int:
    return api.get("/v1/me/wallet", as_=session).body["coins"]


@pytest.fixture
def cafe(make_partner):
    return make_partner("merchant")


def offer(api, cafe, **changes) -> dict:
    reply = api.post("/v1/partner/offers", OFFER | changes, as_=cafe)
    assert reply.status == 201, reply.body
    return reply.body


def redeem(api, tourist, offer_id: str, headers: dict | None = None):
    return api.post("/v1/redemptions", {"offer_id": offer_id}, as_=tourist, headers=headers or key())


def test_given_a_hotel_when_it_makes_an_offer_then_403_until_the_operator_admits_it(api, admin, make_partner):
    hotel = make_partner("hotel")
    assert api.post("/v1/partner/offers", OFFER, as_=hotel).error_code == "not_alliance_member"
    admitted = api.put(f"/v1/admin/partners/{hotel.partner_id}/alliance", {"alliance": True}, as_=admin)
    assert (admitted.status, admitted.body["alliance"]) == (200, True)
    assert api.post("/v1/partner/offers", OFFER, as_=hotel).status == 201


def test_given_coins_when_redeemed_then_voucher_ledger_and_balance_and_same_key_replays(
    api, cafe, register
):
    o, tourist = offer(api, cafe), register()
    give(tourist, 10)
    k = key()
    first = redeem(api, tourist, o["offer_id"], k)
    again = redeem(api, tourist, o["offer_id"], k)
    assert (first.status, again.status) == (201, 200) and again.body == first.body
    other = api.post("/v1/redemptions", {"offer_id": "ABCDEF000000"}, as_=tourist, headers=k)
    assert (other.status, other.error_code) == (422, "idempotency_key_reused")
    assert api.post("/v1/redemptions", {"offer_id": o["offer_id"]}, as_=tourist).status == 400
    assert coins(api, tourist) == 7
    spend = api.get("/v1/me/ledger", as_=tourist).body["items"][0]
    assert (spend["kind"], spend["coins"]) == ("spend", -3)
    listed = api.get("/v1/me/vouchers", as_=tourist).body["items"]
    assert [(v["voucher_id"], v["status"]) for v in listed] == [(first.body["voucher_id"], "issued")]
    png = api.get(listed[0]["png"], as_=tourist)
    assert png.status == 200
    mine = api.get("/v1/partner/offers", as_=cafe).body["items"][0]
    assert (mine["stock"], mine["redeemed"]) == (9, 1)


def test_given_too_few_coins_or_the_limit_or_no_stock_then_409_and_nothing_taken(api, cafe, register):
    tourist = register()
    o = offer(api, cafe, stock=1, per_user_limit=1)
    assert redeem(api, tourist, o["offer_id"]).error_code == "insufficient_coins"
    give(tourist, 10)
    assert redeem(api, tourist, o["offer_id"]).status == 201
    assert redeem(api, tourist, o["offer_id"]).error_code == "out_of_stock"
    limited = offer(api, cafe, per_user_limit=1)
    assert redeem(api, tourist, limited["offer_id"]).status == 201
    assert redeem(api, tourist, limited["offer_id"]).error_code == "limit_reached"
    assert coins(api, tourist) == 4


def test_given_a_voucher_when_consumed_then_merchant_sees_title_and_name_once(
    api, cafe, register, make_partner
):
    o, tourist = offer(api, cafe), register("小林")
    give(tourist, 3)
    voucher = redeem(api, tourist, o["offer_id"]).body
    other = make_partner("merchant")
    foreign = api.post("/v1/partner/vouchers/consume", {"code": voucher["code"]}, as_=other)
    assert (foreign.status, foreign.error_code) == (403, "voucher_other_merchant")
    typed = api.post("/v1/partner/vouchers/consume", {"code": voucher["short"]}, as_=other)
    assert (typed.status, typed.error_code) == (403, "voucher_other_merchant")
    taken = api.post("/v1/partner/vouchers/consume", {"code": voucher["code"]}, as_=cafe)
    assert taken.status == 200
    assert set(taken.body) == {"voucher_id", "offer_id", "title", "display_name", "consumed_at"}
    assert (taken.body["title"], taken.body["display_name"]) == (OFFER["title"], "小林")
    again = api.post("/v1/partner/vouchers/consume", {"code": voucher["code"]}, as_=cafe)
    assert (again.status, again.error_code) == (409, "voucher_used")


def test_given_a_withdrawn_offer_then_no_redemption_but_its_vouchers_stay_valid(api, cafe, register):
    o, tourist = offer(api, cafe), register()
    give(tourist, 6)
    voucher = redeem(api, tourist, o["offer_id"]).body
    assert api.call("DELETE", f"/v1/partner/offers/{o['offer_id']}", as_=cafe).status == 200
    assert redeem(api, tourist, o["offer_id"]).error_code == "offer_not_active"
    assert api.get(f"/v1/offers/{o['offer_id']}", as_=tourist).status == 404
    assert api.post("/v1/partner/vouchers/consume", {"code": voucher["code"]}, as_=cafe).status == 200


def test_given_offers_then_tourists_list_newest_or_cheapest_open_in_stock(api, cafe, register):
    tourist = register()
    cheap, dear = offer(api, cafe, coins_cost=1), offer(api, cafe, coins_cost=900_000)
    empty = offer(api, cafe, stock=0)
    newest = api.get("/v1/offers", as_=tourist, query={"limit": "100"}).body["items"]
    ids = [o["offer_id"] for o in newest]
    assert ids.index(dear["offer_id"]) < ids.index(cheap["offer_id"]) and empty["offer_id"] not in ids
    page = api.get("/v1/offers", as_=tourist, query={"sort": "cheapest", "limit": "1"}).body
    assert page["items"][0]["coins_cost"] == 1 and page["next_cursor"]
    following = api.get("/v1/offers", as_=tourist,
                        query={"sort": "cheapest", "limit": "1", "cursor": page["next_cursor"]}).body
    assert following["items"][0]["coins_cost"] >= 1
    assert following["items"][0]["offer_id"] != page["items"][0]["offer_id"]


def test_given_100_concurrent_redemptions_of_stock_10_by_30_tourists_then_exactly_10(api, cafe, register):
    o = offer(api, cafe, stock=10, coins_cost=4)
    tourists = [register() for _ in range(30)]
    for t in tourists:
        give(t, 5)  # one redemption each at most: a second would go below zero
    with ThreadPoolExecutor(16) as pool:
        replies = list(pool.map(lambda i: redeem(api, tourists[i % 30], o["offer_id"]), range(100)))
    made = [r for r in replies if r.status == 201]
    assert len(made) == 10
    refused = {r.error_code for r in replies if r.status != 201}
    assert refused <= {"out_of_stock", "insufficient_coins", "busy"}
    balances = [coins(api, t) for t in tourists]
    assert min(balances) >= 0 and sum(balances) == 30 * 5 - 10 * 4
    assert api.get("/v1/partner/offers", as_=cafe).body["items"][0]["stock"] == 0


def test_given_a_voucher_consumed_twice_at_once_then_once(api, cafe, register):
    o, tourist = offer(api, cafe), register()
    give(tourist, 3)
    code = redeem(api, tourist, o["offer_id"]).body["code"]
    with ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(
            lambda _: api.post("/v1/partner/vouchers/consume", {"code": code}, as_=cafe), range(2)))
    assert sorted(r.status for r in replies) == [200, 409]


def test_given_an_expired_voucher_when_refund_runs_twice_then_one_refund(api, cafe, register, functions):
    o, tourist = offer(api, cafe, coins_cost=5), register()
    give(tourist, 5)
    voucher = redeem(api, tourist, o["offer_id"]).body
    used = redeem(api, tourist, o["offer_id"])  # no coins left
    assert used.error_code == "insufficient_coins"
    past = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    item = Voucher.get(*Voucher.key(voucher["voucher_id"]))
    _move_expiry(item, past)
    assert api.post("/v1/partner/vouchers/consume", {"code": voucher["code"]}, as_=cafe).error_code \
        == "voucher_expired"
    event = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
    first = functions["RefundFunction"].invoke(event)
    second = functions["RefundFunction"].invoke(event)
    assert first["refunded"] >= 1 and second["refunded"] == 0
    assert coins(api, tourist) == 5
    entries = [e for e in api.get("/v1/me/ledger", as_=tourist).body["items"] if e["kind"] == "refund"]
    assert [e["coins"] for e in entries] == [5]
    listed = api.get("/v1/me/vouchers", as_=tourist).body["items"][0]
    assert listed["status"] == "refunded"


def _move_expiry(item: Voucher, valid_until: str) -> None:
    """Test-only: the voucher (and its expiry marker) as if it had been issued long ago."""
    from tanhui.models.offers import VoucherExpiry

    VoucherExpiry(*VoucherExpiry.key(item.valid_until, item.voucher_id)).delete()
    VoucherExpiry(*VoucherExpiry.key(valid_until, item.voucher_id), voucher_id=item.voucher_id,
                  valid_until=valid_until).save()
    item.update(actions=[Voucher.valid_until.set(valid_until)])



def test_given_a_voucher_consumed_after_the_till_read_it_then_409_voucher_used(
    api, cafe, register, monkeypatch
):
    from tanhui.spending import vouchers

    o, tourist = offer(api, cafe), register()
    give(tourist, 3)
    code = redeem(api, tourist, o["offer_id"]).body["code"]
    assert api.post("/v1/partner/vouchers/consume", {"code": code}, as_=cafe).status == 200
    real, calls = vouchers._refuse, []

    def stale_first_read(voucher, now):  # the read before the write saw it still issued
        calls.append(voucher.status)
        if len(calls) > 1:
            real(voucher, now)

    monkeypatch.setattr(vouchers, "_refuse", stale_first_read)
    again = api.post("/v1/partner/vouchers/consume", {"code": code}, as_=cafe)
    assert (again.status, again.error_code) == (409, "voucher_used")  # the write's own refusal, named


def test_given_the_last_unit_sold_after_the_offer_was_read_then_409_out_of_stock(
    api, cafe, register, monkeypatch
):
    from tanhui.spending import offers

    o, first, second = offer(api, cafe, stock=1), register(), register()
    give(first, 3)
    give(second, 3)
    stale = offers.get(o["offer_id"], consistent=True)  # stock 1
    assert redeem(api, first, o["offer_id"]).status == 201
    real, reads = offers.get, []

    def stale_first_read(offer_id, consistent=False):  # the read before the write saw stock 1
        reads.append(offer_id)
        return stale if len(reads) == 1 else real(offer_id, consistent=consistent)

    monkeypatch.setattr(offers, "get", stale_first_read)
    late = redeem(api, second, o["offer_id"])
    assert (late.status, late.error_code) == (409, "out_of_stock")
    assert coins(api, second) == 3


def test_given_a_redemption_after_the_merchant_read_the_stock_then_the_new_stock_is_refused(
    api, cafe, register, monkeypatch
):
    from tanhui.spending import offers

    o, tourist = offer(api, cafe, stock=5), register()
    give(tourist, 3)
    stale = offers.own(cafe.partner_id, o["offer_id"])  # the merchant's screen: 5 left
    assert redeem(api, tourist, o["offer_id"]).status == 201  # 4 left now
    monkeypatch.setattr(offers, "own", lambda partner_id, offer_id: stale)
    patched = api.call("PATCH", f"/v1/partner/offers/{o['offer_id']}", {"stock": 10}, as_=cafe)
    assert (patched.status, patched.error_code) == (409, "offer_changed")
    monkeypatch.undo()
    assert api.call("PATCH", f"/v1/partner/offers/{o['offer_id']}", {"stock": 10}, as_=cafe).status == 200
    assert api.get(f"/v1/offers/{o['offer_id']}", as_=tourist).body["stock"] == 10


@pytest.mark.parametrize(
    "field", ["title", "description", "stock", "valid_from", "valid_until", "voucher_valid_days"]
)
def test_given_a_patch_with_a_null_for_a_field_that_cannot_be_empty_then_422_and_the_offer_stays(
    api, cafe, register, field
):
    """A stored null broke the offer for every tourist and the merchant's own list (attack run)."""
    o, tourist = offer(api, cafe), register()
    reply = api.call("PATCH", f"/v1/partner/offers/{o['offer_id']}", {field: None}, as_=cafe)
    assert (reply.status, reply.error_code) == (422, "validation_error"), reply.body
    assert field in str(reply.body)
    assert api.get(f"/v1/offers/{o['offer_id']}", as_=tourist).status == 200
    assert api.get("/v1/partner/offers", as_=cafe).status == 200
    schema = api.get("/openapi.json").body["components"]["schemas"]["OfferPatch"]["properties"][field]
    assert "null" not in str(schema), schema  # the document says a null is not taken
    no_limit = api.call("PATCH", f"/v1/partner/offers/{o['offer_id']}", {"per_user_limit": None}, as_=cafe)
    assert no_limit.status == 200 and no_limit.body["per_user_limit"] is None  # "no limit" may be null


def test_given_a_voucher_then_its_code_and_qr_are_a_code_url_and_the_till_takes_url_or_token(
    api, cafe, register
):
    o, tourist = offer(api, cafe), register()
    give(tourist, 6)
    first, second = (redeem(api, tourist, o["offer_id"]).body for _ in range(2))
    assert first["code"].startswith("HTTPS://QR.TANHUI.CN/Q/")
    assert decode_png(base64.b64decode(api.get(first["png"], as_=tourist).body)) == first["code"]
    by_url = api.post("/v1/partner/vouchers/consume", {"code": first["code"]}, as_=cafe)
    bare = token.parse_scanned(second["code"]).token
    by_token = api.post("/v1/partner/vouchers/consume", {"code": bare}, as_=cafe)
    assert (by_url.status, by_token.status) == (200, 200)
    taken = (by_url.body["voucher_id"], by_token.body["voucher_id"])
    assert taken == (first["voucher_id"], second["voucher_id"])


def test_given_a_phone_camera_opens_a_voucher_url_then_the_page_says_show_it_at_the_till(api, cafe, register):
    o, tourist = offer(api, cafe), register()
    give(tourist, 3)
    voucher = redeem(api, tourist, o["offer_id"]).body
    path = voucher["code"].removeprefix("HTTPS://QR.TANHUI.CN")
    page = api.get(path)  # public: no token
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "兑换券" in page.body and "merchant's till" in page.body
    assert "tanhui://claim" not in page.body and "Not a valid Tanhui code" not in page.body
    forged = api.get(path[:-1] + ("A" if path[-1] != "A" else "B"))
    assert forged.status == 404 and "Not a valid Tanhui code" in forged.body



def test_given_a_voucher_when_the_till_consumes_it_then_reading_it_again_says_so_and_only_to_its_owner(
    api, cafe, register
):
    o, tourist, stranger = offer(api, cafe), register(), register()
    give(tourist, 3)
    voucher = redeem(api, tourist, o["offer_id"]).body
    path = f"/v1/me/vouchers/{voucher['voucher_id']}"
    before = api.get(path, as_=tourist)
    assert (before.status, before.body) == (200, voucher)
    assert before.headers["Content-Type"].startswith("application/json")
    page = api.get(voucher["code"].removeprefix("HTTPS://QR.TANHUI.CN"))  # the code's page prints the number
    assert f"</span> {voucher['short']}<" in page.body
    assert voucher["short"].replace("-", "") == voucher["voucher_id"]
    assert api.post("/v1/partner/vouchers/consume", {"code": voucher["code"]}, as_=cafe).status == 200
    after = api.get(f"/v1/me/vouchers/{voucher['voucher_id'].lower()}", as_=tourist)  # ids read case-blind
    assert (after.status, after.body["status"]) == (200, "consumed") and after.body["consumed_at"]
    unknown = "/v1/me/vouchers/0000000000000000"
    for other, who in ((path, stranger), (f"{path}.json", tourist), (unknown, tourist)):
        reply = api.get(other, as_=who)
        assert (reply.status, reply.error_code) == (404, "voucher_not_found"), other
        assert voucher["voucher_id"] not in str(reply.body)


@pytest.mark.parametrize("typing", [
    lambda short: short,  # as the tourist's screen prints it: 1A2B-3C4D-5E6F-7081
    lambda short: short.replace("-", "").lower(),
    lambda short: " ".join(short.split("-")),
    lambda short: short.replace("-", "－"),  # a full-width hyphen from a Chinese IME
])
def test_given_a_voucher_number_typed_at_the_till_then_it_is_consumed_once(api, cafe, register, typing):
    o, tourist = offer(api, cafe), register("小林")
    give(tourist, 3)
    voucher = redeem(api, tourist, o["offer_id"]).body

    taken = api.post("/v1/partner/vouchers/consume", {"code": typing(voucher["short"])}, as_=cafe)

    assert taken.status == 200, taken.body
    assert (taken.body["voucher_id"], taken.body["display_name"]) == (voucher["voucher_id"], "小林")
    again = api.post("/v1/partner/vouchers/consume", {"code": voucher["short"]}, as_=cafe)
    assert (again.status, again.error_code) == (409, "voucher_used")


@pytest.mark.parametrize("code", ["0000-0000-0000-0000", "1A2B-3C4D", "not a voucher", "ABCDEFGHIJKLMNOP"])
def test_given_a_typed_number_that_is_no_voucher_then_404(api, cafe, code):
    reply = api.post("/v1/partner/vouchers/consume", {"code": code}, as_=cafe)
    assert (reply.status, reply.error_code) == (404, "voucher_not_found")


def test_given_a_till_that_lost_the_answer_when_it_retries_with_its_key_then_it_gets_the_same_consumption(
    api, cafe, register
):
    o, tourist = offer(api, cafe), register("小林")
    give(tourist, 6)
    first, second = (redeem(api, tourist, o["offer_id"]).body for _ in range(2))
    till = {"Idempotency-Key": "till-" + first["voucher_id"]}

    taken = api.post("/v1/partner/vouchers/consume", {"code": first["code"]}, as_=cafe, headers=till)
    retried = api.post("/v1/partner/vouchers/consume", {"code": first["code"]}, as_=cafe, headers=till)

    assert (taken.status, retried.status) == (200, 200)
    assert retried.body == taken.body and taken.body["display_name"] == "小林"
    other_code = api.post("/v1/partner/vouchers/consume", {"code": second["code"]}, as_=cafe, headers=till)
    assert (other_code.status, other_code.error_code) == (422, "idempotency_key_reused")
    new_key = api.post("/v1/partner/vouchers/consume", {"code": first["code"]}, as_=cafe,
                       headers={"Idempotency-Key": "till-again"})
    assert (new_key.status, new_key.error_code) == (409, "voucher_used")  # a new attempt: already used
    bad_key = api.post("/v1/partner/vouchers/consume", {"code": second["code"]}, as_=cafe,
                       headers={"Idempotency-Key": "含中文"})
    assert (bad_key.status, bad_key.error_code) == (400, "invalid_idempotency_key")
