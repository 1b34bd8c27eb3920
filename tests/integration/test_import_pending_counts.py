"""An import's counts follow its pending rows: when the person registers (or binds the number)
and the row is credited, `pending` falls and `credited` rises, once, however often the
settling runs."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
import urllib3
from tanhui.claims import factors
from tanhui.imports import pending
from tanhui.models.wallet import Wallet

from tests.factories import make_asset
from tests.support import login, unique_phone

PASSWORD = "green-trip-2026"


@pytest.fixture(scope="module", autouse=True)
def _ready(aws):
    factors.seed_defaults()


def _night(days_ago: int) -> str:
    return (datetime.now(UTC) + timedelta(hours=8) - timedelta(days=days_ago)).date().isoformat()


def _import_stays(api, dispatcher, hotel, rows: list[tuple[str, str, str, int]]) -> str:
    created = api.post("/v1/partner/imports", {"type": "hotel_stays", "filename": "stays.csv"}, as_=hotel)
    assert created.status == 201, created.body
    data = "guest,room,check_in,nights\n" + "".join(f"{g},{r},{c},{n}\n" for g, r, c, n in rows)
    upload = created.body["upload"]
    fields = dict(upload["fields"]) | {"file": ("stays.csv", data.encode(), "text/csv")}
    assert urllib3.request("POST", upload["url"], fields=fields).status in (200, 201, 204)
    dispatcher.drain()
    return created.body["import_id"]


def _job(api, hotel, import_id: str) -> dict:
    reply = api.get(f"/v1/partner/imports/{import_id}", as_=hotel)
    assert reply.status == 200, reply.body
    return reply.body


def _register(api, phone: str) -> str:
    reply = api.post(
        "/v1/auth/register",
        {
            "phone": phone,
            "password": PASSWORD,
            "display_name": "晚到",
            "consent": {"version": "2026-11", "accepted": True},
        },
    )
    assert reply.status == 201, reply.body
    return reply.body["user_id"]


def _coins(user_id: str) -> int:
    return int(Wallet.get(*Wallet.key(user_id), consistent_read=True).coins)


def test_given_pending_guest_when_they_register_then_pending_falls_and_credited_rises(
    api, dispatcher, register, make_partner
):
    hotel = make_partner("hotel")
    make_asset(hotel.partner_id, "hotel_room", attributes={"room_number": "611"})
    known, late = register(), unique_phone()
    import_id = _import_stays(
        api, dispatcher, hotel, [(known.phone, "611", _night(3), 1), (late, "611", _night(2), 2)]
    )
    before = _job(api, hotel, import_id)
    assert (before["counts"]["pending"], before["counts"]["credited"], before["coins"]) == (1, 1, 2)

    user_id = _register(api, late)

    after = _job(api, hotel, import_id)
    assert (after["counts"]["pending"], after["counts"]["credited"], after["coins"]) == (0, 2, 6), after
    assert after["counts"]["rows"] == 2
    assert after["reasons"].get("not_registered", 0) == 0, after["reasons"]
    assert _coins(user_id) == 4


def test_given_settled_row_when_settling_runs_again_then_counts_move_once(
    api, dispatcher, make_partner
):
    hotel = make_partner("hotel")
    make_asset(hotel.partner_id, "hotel_room", attributes={"room_number": "612"})
    phone = unique_phone()
    import_id = _import_stays(api, dispatcher, hotel, [(phone, "612", _night(2), 1)])
    user_id = _register(api, phone)

    assert pending.settle_for(user_id) == {}  # nothing waits any more
    login(api, phone, PASSWORD)  # another sign-in settles again

    job = _job(api, hotel, import_id)
    assert (job["counts"]["pending"], job["counts"]["credited"], job["coins"]) == (0, 1, 2), job
    assert _coins(user_id) == 2


def test_given_crash_between_credit_and_count_when_settled_again_then_counted_once_as_credited(
    api, dispatcher, make_partner
):
    hotel = make_partner("hotel")
    make_asset(hotel.partner_id, "hotel_room", attributes={"room_number": "613"})
    phone = unique_phone()
    import_id = _import_stays(api, dispatcher, hotel, [(phone, "613", _night(2), 1)])
    with mock.patch.object(pending, "_leave", side_effect=RuntimeError("the container stopped")):
        user_id = _register(api, phone)  # credited; the sign-in goes on, the row stays
    assert _job(api, hotel, import_id)["counts"]["pending"] == 1
    assert _coins(user_id) == 2

    assert pending.settle_for(user_id) == {"credited": 1}  # the redelivery finds its own record
    pending.settle_for(user_id)

    job = _job(api, hotel, import_id)
    assert (job["counts"]["pending"], job["counts"]["credited"], job["coins"]) == (0, 1, 2), job
    assert _coins(user_id) == 2


def _gtin13() -> str:
    from tanhui.codes.token import gtin_check_digit_ok

    body = f"69{secrets.randbelow(10**10):010d}"
    return next(body + c for c in "0123456789" if gtin_check_digit_ok(body + c))


def test_given_a_shops_pending_sale_when_the_buyer_registers_then_it_counts_against_the_makers_quota(
    api, admin, dispatcher, make_partner
):
    maker, shop = make_partner("manufacturer"), make_partner("merchant")
    gtin = _gtin13()
    made = api.post(
        "/v1/partner/assets",
        {"kind": "product_sku", "attributes": {"sku": "PQ-1", "gtin": gtin, "product_name": "竹纤维水杯"}},
        as_=maker,
    )
    assert made.status == 201, made.body
    phone = unique_phone()
    created = api.post("/v1/partner/imports", {"type": "product_sales", "filename": "s.csv"}, as_=shop)
    assert created.status == 201, created.body
    data = f"手机号,商品条码,数量,销售日期,小票号\n{phone},{gtin},1,{_night(1)},Q-1\n".encode()
    upload = created.body["upload"]
    fields = dict(upload["fields"]) | {"file": ("s.csv", data, "text/csv")}
    assert urllib3.request("POST", upload["url"], fields=fields).status in (200, 201, 204)
    dispatcher.drain()
    import_id = created.body["import_id"]
    assert _job(api, shop, import_id)["counts"]["pending"] == 1
    spent = api.put(f"/v1/admin/partners/{maker.partner_id}/quota", {"monthly_coins": 0}, as_=admin)
    assert spent.status == 200, spent.body

    user_id = _register(api, phone)  # the shop has no quota; the manufacturer's is spent

    job = _job(api, shop, import_id)
    assert (job["counts"]["pending"], job["counts"]["over_quota"], job["coins"]) == (0, 1, 0), job
    assert _coins(user_id) == 0
