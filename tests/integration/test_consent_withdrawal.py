"""Withdrawing consent (撤回授权, DELETE /v1/me/consent): from that moment no scan and no file row
credits the person (a row is refused as `consent_withdrawn`, not kept pending), the rows kept for
them are dropped (each moves from its import's `pending` count once), and giving consent again
restarts collection from then on without bringing back anything refused. Wallet = Σ ledger
throughout."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from tanhui.claims import factors
from tanhui.identity import cognito
from tanhui.imports import pending
from tanhui.models.identity import ConsentRecord, UserProfile
from tanhui.models.imports import PendingRow, pending_pk
from tanhui.models.wallet import Wallet

from tests.factories import make_asset, partner_item, static
from tests.integration.test_consent import PASSWORD, sign_up_around_the_api
from tests.support import import_file, login, unique_phone

CONSENT = {"version": "2026-11", "accepted": True}


@pytest.fixture(scope="module", autouse=True)
def _ready(aws):
    factors.seed_defaults()


def _night(days_ago: int) -> str:
    return (datetime.now(UTC) + timedelta(hours=8) - timedelta(days=days_ago)).date().isoformat()


def _stays(api, dispatcher, hotel, rows: list[tuple[str, str, str, int]]) -> dict:
    data = "guest,room,check_in,nights\n" + "".join(f"{g},{r},{c},{n}\n" for g, r, c, n in rows)
    return import_file(api, dispatcher, hotel, "hotel_stays", data.encode(), "stays.csv")


def _job(api, hotel, import_id: str) -> dict:
    reply = api.get(f"/v1/partner/imports/{import_id}", as_=hotel)
    assert reply.status == 200, reply.body
    return reply.body


def _ledger_coins(api, who) -> int:
    total, cursor = 0, None
    while True:
        query = {"limit": "100", **({"cursor": cursor} if cursor else {})}
        page = api.get("/v1/me/ledger", as_=who, query=query)
        assert page.status == 200, page.body
        total += sum(e["coins"] for e in page.body["items"])
        cursor = page.body["next_cursor"]
        if not cursor:
            return total


def _wallet_is_its_ledger(api, who) -> int:
    coins = int(Wallet.get(*Wallet.key(who.user_id), consistent_read=True).coins)
    assert coins == _ledger_coins(api, who)
    return coins


def _records(user_id: str) -> list[ConsentRecord]:
    return list(ConsentRecord.query(f"USER#{user_id}", ConsentRecord.sk.startswith("CONSENT#")))


def _waiting(user_id: str) -> list[PendingRow]:
    return list(PendingRow.query(pending_pk("user", user_id), consistent_read=True))


def test_given_consent_when_withdrawn_then_me_shows_it_recorded_and_cognito_cleared_and_twice_is_the_same(
    api, register
):
    tourist = register()
    given_at = api.get("/v1/me", as_=tourist).body["consent"]["accepted_at"]

    first = api.delete("/v1/me/consent", as_=tourist)

    assert (first.status, first.body) == (204, None)
    me = api.get("/v1/me", as_=tourist).body
    assert me["consent"] is None and me["consent_withdrawn_at"]
    withdrawal = [r for r in _records(tourist.user_id) if not r.accepted]
    assert [(r.version, r.accepted_at, r.withdrawn_at, r.channel) for r in withdrawal] == [
        ("2026-11", given_at, me["consent_withdrawn_at"], "api")
    ]
    wallet = Wallet.get(*Wallet.key(tourist.user_id), consistent_read=True)
    assert (wallet.consent_version, wallet.consent_withdrawn_at) == (None, me["consent_withdrawn_at"])
    attributes = cognito.get_user(tourist.phone).attributes
    assert "custom:consent_version" not in attributes and "custom:consent_at" not in attributes

    again = api.delete("/v1/me/consent", as_=tourist)

    assert again.status == 204
    assert api.get("/v1/me", as_=tourist).body == me
    assert len([r for r in _records(tourist.user_id) if not r.accepted]) == 1
    # a login that rebuilds the account from Cognito alone rebuilds it without consent
    UserProfile(*UserProfile.key(tourist.user_id)).delete()
    login(api, tourist.phone, tourist.password)
    assert api.get("/v1/me", as_=tourist).body["consent"] is None


def test_given_withdrawn_consent_then_a_scan_and_a_binding_are_refused_consent_withdrawn(api, register):
    tourist = register()
    code = static(make_asset(partner_item("hotel"), "hotel_room"))
    assert api.delete("/v1/me/consent", as_=tourist).status == 204

    refused = api.post("/v1/claims", {"code": code}, as_=tourist)

    assert (refused.status, refused.error_code) == (403, "consent_withdrawn")
    bound = api.put("/v1/me/bindings", {"transit_card": "8800123456"}, as_=tourist)
    assert (bound.status, bound.error_code) == (403, "consent_withdrawn")
    assert _wallet_is_its_ledger(api, tourist) == 0


def test_given_withdrawn_consent_when_a_file_names_the_person_then_the_row_is_refused_not_kept(
    api, dispatcher, register, make_partner
):
    hotel = make_partner("hotel")
    make_asset(hotel.partner_id, "hotel_room", attributes={"room_number": "701"})
    tourist, other = register(), register()
    assert api.delete("/v1/me/consent", as_=tourist).status == 204

    rows = [(tourist.phone, "701", _night(2), 1), (other.phone, "701", _night(2), 1)]
    job = _stays(api, dispatcher, hotel, rows)

    assert (job["counts"]["credited"], job["counts"]["invalid"], job["counts"]["pending"]) == (1, 1, 0), job
    assert job["reasons"] == {"consent_withdrawn": 1}
    assert _waiting(tourist.user_id) == []
    assert _wallet_is_its_ledger(api, tourist) == 0
    assert _wallet_is_its_ledger(api, other) == 2


def test_given_rows_kept_for_a_person_when_they_withdraw_then_dropped_and_counted_once(
    api, dispatcher, make_partner
):
    hotel = make_partner("hotel")
    make_asset(hotel.partner_id, "hotel_room", attributes={"room_number": "702"})
    phone = unique_phone()
    sign_up_around_the_api(phone)  # an account without consent: its rows wait for it
    person = login(api, phone, PASSWORD)
    job = _stays(api, dispatcher, hotel, [(phone, "702", _night(3), 1), (phone, "702", _night(5), 2)])
    assert (job["counts"]["pending"], job["reasons"]) == (2, {"consent_required": 2}), job
    assert len(_waiting(person.user_id)) == 2

    assert api.delete("/v1/me/consent", as_=person).status == 204

    after = _job(api, hotel, job["import_id"])
    assert (after["counts"]["pending"], after["counts"]["invalid"], after["counts"]["rows"]) == (0, 2, 2)
    assert after["reasons"] == {"consent_required": 0, "consent_withdrawn": 2}, after["reasons"]
    assert _waiting(person.user_id) == []
    assert api.delete("/v1/me/consent", as_=person).status == 204  # again: nothing moves twice
    assert pending.drop_for(person.user_id) == 0
    assert _job(api, hotel, job["import_id"])["counts"] == after["counts"]
    assert api.get("/v1/me", as_=person).body["consent_withdrawn_at"]

    given = api.post("/v1/me/consent", CONSENT, as_=person)  # nothing refused comes back

    assert given.status == 200
    assert _job(api, hotel, job["import_id"])["counts"] == after["counts"]
    assert _wallet_is_its_ledger(api, person) == 0


def test_given_consent_given_again_then_new_scans_and_rows_credit_and_refused_ones_never_come_back(
    api, dispatcher, register, make_partner
):
    hotel = make_partner("hotel")
    make_asset(hotel.partner_id, "hotel_room", attributes={"room_number": "703"})
    tourist = register()
    code = static(make_asset(partner_item("hotel"), "hotel_room"))
    assert api.delete("/v1/me/consent", as_=tourist).status == 204
    assert api.post("/v1/claims", {"code": code}, as_=tourist).error_code == "consent_withdrawn"
    while_withdrawn = _stays(api, dispatcher, hotel, [(tourist.phone, "703", _night(4), 1)])
    assert while_withdrawn["reasons"] == {"consent_withdrawn": 1}

    given = api.post("/v1/me/consent", CONSENT, as_=tourist)

    assert given.status == 200
    me = api.get("/v1/me", as_=tourist).body
    assert me["consent"]["accepted_at"] == given.body["accepted_at"] and me["consent_withdrawn_at"]
    assert _job(api, hotel, while_withdrawn["import_id"])["counts"]["credited"] == 0
    assert _wallet_is_its_ledger(api, tourist) == 0
    scanned = api.post("/v1/claims", {"code": code}, as_=tourist)
    assert scanned.status == 201, scanned.body
    later = _stays(api, dispatcher, hotel, [(tourist.phone, "703", _night(2), 1)])
    assert (later["counts"]["credited"], later["coins"]) == (1, 2), later
    assert _wallet_is_its_ledger(api, tourist) == scanned.body["coins"] + 2
    assert _job(api, hotel, while_withdrawn["import_id"])["counts"]["credited"] == 0


def test_given_a_drop_lost_in_a_crash_when_consent_is_given_again_then_the_kept_row_is_refused(
    api, dispatcher, make_partner
):
    hotel = make_partner("hotel")
    make_asset(hotel.partner_id, "hotel_room", attributes={"room_number": "704"})
    phone = unique_phone()
    sign_up_around_the_api(phone)
    person = login(api, phone, PASSWORD)
    job = _stays(api, dispatcher, hotel, [(phone, "704", _night(3), 1)])
    assert job["counts"]["pending"] == 1
    with mock.patch.object(pending, "drop_for", return_value=0):  # the container stopped
        assert api.delete("/v1/me/consent", as_=person).status == 204
    assert len(_waiting(person.user_id)) == 1

    assert api.post("/v1/me/consent", CONSENT, as_=person).status == 200  # settles what waits

    after = _job(api, hotel, job["import_id"])
    assert (after["counts"]["pending"], after["counts"]["invalid"], after["counts"]["credited"]) == (0, 1, 0)
    assert after["reasons"]["consent_withdrawn"] == 1
    assert _wallet_is_its_ledger(api, person) == 0


def test_given_a_partner_or_nobody_then_withdrawing_is_refused(api, make_partner):
    assert api.delete("/v1/me/consent").status == 401
    assert api.delete("/v1/me/consent", as_=make_partner()).status == 403


def test_given_withdrawn_consent_when_a_row_would_wait_for_a_daily_km_then_refused_not_kept(
    api, dispatcher, register, make_partner
):
    estate = make_partner("property_manager")
    driver = register()
    plate = "粤B" + secrets.token_hex(3).upper()[:5]
    assert api.put("/v1/me/bindings", {"car_plate": plate}, as_=driver).status == 200  # no daily km
    assert api.delete("/v1/me/consent", as_=driver).status == 204
    last_month = (datetime.now(UTC).replace(day=1) - timedelta(days=1)).strftime("%Y-%m")

    data = f"plate,month,days_out,days_out_previous\n{plate},{last_month},10,15\n"
    job = import_file(api, dispatcher, estate, "car_trips", data.encode(), "cars.csv")

    assert (job["counts"]["invalid"], job["counts"]["pending"]) == (1, 0), job
    assert job["reasons"] == {"consent_withdrawn": 1}
    assert _waiting(driver.user_id) == []


def test_given_consent_given_again_when_a_row_names_a_night_while_it_was_withdrawn_then_refused(
        api, dispatcher, register, make_partner):
    """Collected only with consent: a partner re-sending, after the consent is given again, a
    night that fell while it was withdrawn gets the row refused; a night before the withdrawal
    (consented then) is credited."""
    hotel = make_partner("hotel")
    make_asset(hotel.partner_id, "hotel_room", attributes={"room_number": "606"})
    guest = register()
    now = datetime.now(UTC)
    iso = lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.000Z")  # noqa: E731
    Wallet(*Wallet.key(guest.user_id)).update(actions=[  # withdrawn 4 days ago, given again now
        Wallet.consent_withdrawn_at.set(iso(now - timedelta(days=4))), Wallet.consent_at.set(iso(now))])

    rows = [(guest.phone, "606", _night(2), 1), (guest.phone, "606", _night(8), 1)]
    job = _stays(api, dispatcher, hotel, rows)

    assert (job["counts"]["credited"], job["counts"]["invalid"]) == (1, 1), job
    assert job["reasons"].get("consent_withdrawn") == 1, job
    assert _wallet_is_its_ledger(api, guest) > 0
