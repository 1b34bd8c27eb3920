"""Bindings (绑定): a tourist binds numbers partner files will name; one number, one user."""

from __future__ import annotations

import threading
import uuid

import pytest
from tanhui import bindings
from tanhui.models.bindings import Binding, UserBindings

from tests.integration.test_consent import PASSWORD, sign_up_around_the_api
from tests.support import login, unique_phone


def card() -> str:
    return "3101 " + str(uuid.uuid4().int)[:8]


def stored(text: str) -> str:
    return bindings.normalise("transit_card", text)


def at_once(*calls) -> list:
    """Runs the calls in threads released together; their results in order."""
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(i, call):
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_given_numbers_when_bound_then_stored_normalised_and_looked_up(api, register):
    tourist, number = register(), card()
    assert api.get("/v1/me/bindings", as_=tourist).body["transit_card"] is None

    reply = api.put("/v1/me/bindings", {"transit_card": number, "car_plate": "粤B·D" + number[-5:],
                                        "daily_km": 18.5}, as_=tourist)

    assert reply.status == 200, reply.body
    assert reply.body["transit_card"] == stored(number) and reply.body["daily_km"] == 18.5
    assert reply.body["car_plate"] == "粤BD" + number[-5:] and reply.body["water_account"] is None
    assert api.get("/v1/me/bindings", as_=tourist).body == reply.body
    assert bindings.lookup("transit_card", number) == tourist.user_id
    assert bindings.lookup("car_plate", "粤bd" + number[-5:]) == tourist.user_id
    assert bindings.daily_km(tourist.user_id) == 18.5
    assert bindings.lookup_many("transit_card", [number, card()]) == {stored(number): tourist.user_id}


def test_given_a_field_absent_then_unchanged_and_null_unbinds_and_frees_the_number(api, register):
    first, second, number = register(), register(), card()
    api.put("/v1/me/bindings", {"transit_card": number, "daily_km": 12}, as_=first)

    kept = api.put("/v1/me/bindings", {"daily_km": 20}, as_=first).body
    assert (kept["transit_card"], kept["daily_km"]) == (stored(number), 20)

    freed = api.put("/v1/me/bindings", {"transit_card": None, "daily_km": None}, as_=first)
    assert freed.status == 200 and (freed.body["transit_card"], freed.body["daily_km"]) == (None, None)
    assert bindings.lookup("transit_card", number) is None and bindings.daily_km(first.user_id) is None
    taken = api.put("/v1/me/bindings", {"transit_card": number}, as_=second)
    assert taken.status == 200 and bindings.lookup("transit_card", number) == second.user_id


def test_given_a_number_replaced_then_the_old_one_is_free_for_another_user(api, register):
    first, second, old, new = register(), register(), card(), card()
    api.put("/v1/me/bindings", {"sorting_card": old}, as_=first)

    replaced = api.put("/v1/me/bindings", {"sorting_card": new}, as_=first)

    assert replaced.body["sorting_card"] == stored(new)
    assert bindings.lookup("sorting_card", old) is None
    assert api.put("/v1/me/bindings", {"sorting_card": old}, as_=second).status == 200
    assert bindings.lookup_many("sorting_card", [old, new]) == {
        stored(old): second.user_id, stored(new): first.user_id}


def test_given_a_number_bound_elsewhere_then_409_naming_the_kind_and_nothing_changes(api, register):
    owner, other, number = register(), register(), card()
    api.put("/v1/me/bindings", {"electricity_account": number}, as_=owner)
    mine = card()

    refused = api.put("/v1/me/bindings", {"water_account": mine, "electricity_account": number},
                      as_=other)

    assert (refused.status, refused.error_code) == (409, "already_bound")
    message = refused.body["error"]["message"]
    assert "electricity account" in message and owner.user_id not in message and owner.phone not in message
    assert bindings.lookup("electricity_account", number) == owner.user_id
    assert bindings.lookup("water_account", mine) is None  # the whole PUT was refused
    assert api.get("/v1/me/bindings", as_=other).body["water_account"] is None
    # the same number of another kind is another binding
    assert api.put("/v1/me/bindings", {"gas_account": number}, as_=other).status == 200


def test_given_two_users_binding_one_number_at_once_then_exactly_one_wins(api, register):
    users, number = [register() for _ in range(4)], card()

    replies = at_once(*(lambda u=u: api.put("/v1/me/bindings", {"transit_card": number}, as_=u)
                        for u in users))

    assert sorted((r.status, r.error_code) for r in replies) == [(200, None)] + [(409, "already_bound")] * 3
    winner = next(u for u, r in zip(users, replies, strict=True) if r.status == 200)
    assert bindings.lookup("transit_card", number) == winner.user_id
    for user in users:
        listed = api.get("/v1/me/bindings", as_=user).body["transit_card"]
        assert listed == (stored(number) if user is winner else None)


def test_given_one_user_sending_two_puts_at_once_then_both_apply_and_no_number_is_orphaned(api, register):
    tourist, first, second = register(), card(), card()

    replies = at_once(lambda: api.put("/v1/me/bindings", {"transit_card": first}, as_=tourist),
                      lambda: api.put("/v1/me/bindings", {"sorting_card": second}, as_=tourist))

    assert [r.status for r in replies] == [200, 200]
    now = api.get("/v1/me/bindings", as_=tourist).body
    assert (now["transit_card"], now["sorting_card"]) == (stored(first), stored(second))
    assert UserBindings.get(*UserBindings.key(tourist.user_id)).version == 2


def test_given_no_consent_then_put_403_and_nothing_bound(api):
    phone, number = unique_phone(), card()
    sign_up_around_the_api(phone)
    user = login(api, phone, PASSWORD)

    refused = api.put("/v1/me/bindings", {"transit_card": number}, as_=user)

    assert (refused.status, refused.error_code) == (403, "consent_required")
    assert bindings.lookup("transit_card", number) is None
    assert api.get("/v1/me/bindings", as_=user).status == 200


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"transit_card": "12"}, ["transit_card"]),
        ({"car_plate": "B12345", "water_account": "a/b/c/d"}, ["car_plate", "water_account"]),
        ({"daily_km": 0}, ["daily_km"]),
        ({"daily_km": 501}, ["daily_km"]),
    ],
)
def test_given_bad_values_then_422_invalid_binding_naming_each_field(api, register, body, fields):
    reply = api.put("/v1/me/bindings", body, as_=register())
    assert (reply.status, reply.error_code) == (422, "invalid_binding")
    assert sorted(d["field"] for d in reply.body["error"]["details"]) == fields


@pytest.mark.parametrize(
    "body",
    [{"daily_km": "18"}, {"transit_card": 31012345}, {"daily_km": True}, {"phone": "+8613800138000"},
     {"transit_card": "1" * 65}],
)
def test_given_loose_types_or_unknown_fields_then_422_validation_error(api, register, body):
    reply = api.put("/v1/me/bindings", body, as_=register())
    assert (reply.status, reply.error_code) == (422, "validation_error")


def test_given_registration_then_the_phone_is_bound_and_a_retry_keeps_it(api, register):
    tourist = register()
    assert bindings.lookup("phone", tourist.phone) == tourist.user_id
    local = tourist.phone.removeprefix("+86")  # as a partner file writes a mainland mobile
    assert bindings.lookup_many("phone", [local]) == {tourist.phone: tourist.user_id}
    body = {"phone": tourist.phone, "password": tourist.password, "display_name": "again",
            "consent": {"version": "2026-11", "accepted": True}}
    assert api.post("/v1/auth/register", body).status == 200
    assert bindings.lookup("phone", tourist.phone) == tourist.user_id


def test_given_an_account_without_its_phone_binding_when_ensured_again_then_it_is_healed(api):
    phone = unique_phone()
    sign_up_around_the_api(phone)
    user = login(api, phone, PASSWORD)  # login without a profile makes the account
    assert bindings.lookup("phone", phone) == user.user_id
    Binding(*Binding.key("phone", phone)).delete()  # as an account made before bindings existed

    body = {"phone": phone, "password": PASSWORD, "display_name": "direct",
            "consent": {"version": "2026-11", "accepted": True}}
    assert api.post("/v1/auth/register", body).status == 200  # ensure_account runs again

    assert bindings.lookup("phone", phone) == user.user_id


def test_given_a_phone_bound_to_another_account_then_it_is_not_taken_over(api, register):
    from tanhui.identity.users import ensure_account

    holder, phone = register(), unique_phone()
    Binding.of("phone", phone, holder.user_id, "2026-01-01T00:00:00.000Z").save()
    newcomer = str(uuid.uuid4())
    ensure_account(user_id=newcomer, phone=phone, display_name="n")
    ensure_account(user_id=newcomer, phone=phone, display_name="n")  # and again: the retry path
    assert bindings.lookup("phone", phone) == holder.user_id


def test_given_a_partner_or_admin_then_bindings_are_403(api, make_partner, admin):
    for caller in (make_partner(), admin):
        assert api.get("/v1/me/bindings", as_=caller).status == 403
        assert api.put("/v1/me/bindings", {"transit_card": card()}, as_=caller).status == 403


def test_given_a_stale_read_of_the_users_item_then_the_put_reads_again_and_keeps_both_changes(
    api, register, monkeypatch
):
    from tanhui.bindings import numbers as service

    tourist, first, second = register(), card(), card()
    stale = service._stored(tourist.user_id)  # before the other request's change
    assert api.put("/v1/me/bindings", {"transit_card": first}, as_=tourist).status == 200
    reads = [stale]
    fresh = service._stored
    monkeypatch.setattr(service, "_stored", lambda user_id: reads.pop() if reads else fresh(user_id))

    out = service.update(tourist.user_id, {"sorting_card": second})

    assert (out.transit_card, out.sorting_card) == (stored(first), stored(second))
    assert UserBindings.get(*UserBindings.key(tourist.user_id)).version == 2
