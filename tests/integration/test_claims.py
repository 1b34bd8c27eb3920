"""Claims over the moto server: credits, every refusal, natural idempotency, concurrency."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from tanhui import aws, cache, errors
from tanhui.claims import factors, peers, revocation, scan
from tanhui.claims.schemas import ClaimIn, FactorIn
from tanhui.codes import issuing as codes_service
from tanhui.codes.token import Kind
from tanhui.config import get_settings
from tanhui.models.assets import Asset
from tanhui.models.peers import key_pk
from tanhui.models.wallet import Wallet
from tanhui.wallet import account as wallets

from tests.factories import (
    dynamodb_calls,
    make_asset,
    partner_item,
    recorded_claims,
    single_use,
    static,
    written_keys,
)


@pytest.fixture(scope="module", autouse=True)
def _ready(aws):
    factors.seed_defaults()


def claim(api, who, code, **extra):
    return api.post("/v1/claims", {"code": code, **extra}, as_=who)


def current(behaviour):
    return factors.factor_for(behaviour, "9999-12-31T00:00:00Z")


# ------------------------------------------------------------------------------- credits
def test_given_ticket_code_when_tourist_claims_then_credited_once_with_factor_and_ledger(api, register):
    tourist = register()
    pid = partner_item("scenic_spot", name="丹霞山景区")
    asset = make_asset(pid, "ticket_product")
    [code] = single_use(asset)
    f = current("ticket_non_disposable")

    reply = claim(api, tourist, code)

    assert reply.status == 201, reply.body
    body = reply.body
    assert (body["behaviour"], body["coins"], body["gco2e"], body["factor_version"]) == (
        "ticket_non_disposable", f.coins_per_unit, f.gco2e_per_unit, f.version)
    assert body["wallet"]["coins"] == f.coins_per_unit and body["already_credited"] is False
    assert body["asset"] == {"partner_id": pid, "partner_name": "丹霞山景区",
                             "asset_id": asset.asset_id, "name": asset.name}
    wallet = api.get("/v1/me/wallet", as_=tourist).body
    assert (wallet["coins"], wallet["gco2e"], wallet["lifetime_coins"]) == (
        f.coins_per_unit, f.gco2e_per_unit, f.coins_per_unit)
    [entry] = api.get("/v1/me/ledger", as_=tourist).body["items"]
    assert entry["entry_id"] == body["claim_id"] and entry["kind"] == "earn"
    assert entry["partner_name"] == "丹霞山景区" and entry["factor_version"] == f.version
    assert entry["evidence"]["code_id"] == code.rsplit("/", 1)[1]


def test_given_vehicle_code_then_reduction_is_route_km_times_saved_g_per_km(api, register):
    tourist = register()
    asset = make_asset(partner_item("transport_operator"), "vehicle")
    f = current("eco_vehicle_ride")
    reply = claim(api, tourist, static(asset))
    assert reply.status == 201, reply.body
    assert reply.body["gco2e"] == round(12.5 * (f.baseline_g_per_km - f.eco_g_per_km))


def test_given_packaging_code_then_gtin_must_match_the_sku(api, register):
    tourist = register()
    asset = make_asset(partner_item("manufacturer"), "product_sku")
    good, other = single_use(asset, 2)
    assert claim(api, tourist, good).status == 201
    forged = other.replace("/01/06901234567892/", "/01/06901234567893/")
    reply = claim(api, tourist, forged)
    assert (reply.status, reply.error_code) == (422, "invalid_code")


# ------------------------------------------------------------------ idempotency and de-dup
def test_given_same_ticket_rescanned_by_owner_then_original_claim_without_a_write(api, register, monkeypatch):
    # the container's cache is as fresh at the rescan as at the first scan: an entry another test
    # loaded 59 s before must not expire in between (one more read on a slow machine)
    from tanhui import cache

    monkeypatch.setattr(cache, "clock", lambda now=cache.clock(): now)
    tourist = register()
    [code] = single_use(make_asset(partner_item(), "ticket_product"))
    first = claim(api, tourist, code)
    with dynamodb_calls() as calls:
        again = claim(api, tourist, code)
    assert again.status == 200 and again.body["already_credited"] is True
    assert again.body["claim_id"] == first.body["claim_id"]
    assert again.body["wallet"]["coins"] == first.body["wallet"]["coins"]
    assert calls["TransactWriteItems"] == 1 and sum(calls.values()) == 2  # the failed put + wallet read
    assert len(api.get("/v1/me/ledger", as_=tourist).body["items"]) == 1


def test_given_ticket_claimed_when_another_tourist_scans_then_409(api, register):
    [code] = single_use(make_asset(partner_item(), "ticket_product"))
    assert claim(api, register(), code).status == 201
    reply = claim(api, register(), code)
    assert (reply.status, reply.error_code) == (409, "already_claimed")


def test_given_hotel_room_when_one_guest_scans_twice_and_roommate_scans_then_each_credited_once(
    api, register
):
    guest, roommate = register(), register()
    pid = partner_item("hotel")
    room = make_asset(pid, "hotel_room")
    code = static(room)
    first, repeat, other = claim(api, guest, code), claim(api, guest, code), claim(api, roommate, code)
    assert (first.status, repeat.status, other.status) == (201, 200, 201)
    assert repeat.body["claim_id"] == first.body["claim_id"]
    assert first.body["coins"] == current("hotel_low_carbon_night").coins_per_unit
    assert api.get("/v1/me/wallet", as_=guest).body["coins"] == first.body["coins"]
    # the same night in another room (or hotel) is the same behaviour: the original claim again
    elsewhere = claim(api, guest, static(make_asset(partner_item("hotel"), "hotel_room")))
    assert (elsewhere.status, elsewhere.body["already_credited"]) == (200, True)
    assert elsewhere.body["claim_id"] == first.body["claim_id"]
    assert api.get("/v1/me/wallet", as_=guest).body["coins"] == first.body["coins"]


def test_given_hotel_scans_around_noon_then_night_rolls_over_at_12_local(register):
    user = register().user_id
    room = make_asset(partner_item("hotel"), "hotel_room")
    code = static(room)
    evening = datetime(2026, 11, 3, 14, 0, tzinfo=UTC)  # 22:00 in Shanghai: night of 11-03
    morning = evening + timedelta(hours=13, minutes=59)  # 11:59 next day: still night of 11-03
    noon = evening + timedelta(hours=14)  # 12:00: night of 11-04
    a = scan.claim(user, ClaimIn(code=code), at=evening)
    b = scan.claim(user, ClaimIn(code=code), at=morning)
    c = scan.claim(user, ClaimIn(code=code), at=noon)
    assert (a.created, b.created, c.created) == (True, False, True)
    assert b.body.claim_id == a.body.claim_id != c.body.claim_id


def test_given_static_and_rotating_codes_of_one_vehicle_then_one_credit_per_30_minutes(register):
    user = register().user_id
    bus = make_asset(partner_item("transport_operator"), "vehicle")
    at = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
    step = int(at.timestamp()) // get_settings().rotating_step_seconds
    first = scan.claim(user, ClaimIn(code=static(bus)), at=at)
    rotating = static(bus, Kind.VEHICLE_ROTATING, step=step)
    same_window = scan.claim(user, ClaimIn(code=rotating), at=at + timedelta(seconds=10))
    next_window = scan.claim(user, ClaimIn(code=static(bus)), at=at + timedelta(minutes=30))
    assert (first.created, same_window.created, next_window.created) == (True, False, True)


# -------------------------------------------------------------------------------- refusals
@pytest.mark.parametrize("text", ["", "hello", "HTTPS://QR.TANHUI.CN/Q/" + "A" * 48, "x" * 600])
def test_given_malformed_code_then_422(api, register, text):
    reply = claim(api, register(), text)
    assert reply.status == 422 and reply.error_code in ("invalid_code", "validation_error")


def test_given_tampered_or_unknown_asset_code_then_422_invalid_code(api, register):
    tourist = register()
    asset = make_asset(partner_item(), "ticket_product")
    [code] = single_use(asset)
    last = code[-1]
    tampered = code[:-1] + ("B" if last == "A" else "A")
    assert claim(api, tourist, tampered).error_code == "invalid_code"
    ghost = Asset(partner_id=asset.partner_id, asset_id="ABCDEF", kind="ticket_product",
                  attributes={}, timezone="Asia/Shanghai")
    [unknown] = single_use(ghost)
    reply = claim(api, tourist, unknown)
    assert (reply.status, reply.error_code) == (422, "invalid_code")


class Clock:
    """The metadata cache's clock, moved by hand: cache ages without sleeping."""

    def __init__(self) -> None:
        self.now = time.monotonic()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(cache, "clock", fake)
    return fake


def test_given_single_code_revoked_then_its_claim_is_refused_at_once(api, register, clock):
    tourist = register()
    pid = partner_item()
    one, two = single_use(make_asset(pid, "ticket_product"), 2)
    assert claim(api, tourist, two).status == 201  # the asset is now cached in this container
    revocation.revoke_code(pid, one.rsplit("/", 1)[1], "staff")  # a tombstone at its key
    reply = claim(api, tourist, one)  # same instant: no cache age involved
    assert (reply.status, reply.error_code) == (410, "code_revoked")


def test_given_batch_revoked_elsewhere_then_refused_once_the_cached_asset_is_cache_age_old(
    api, register, clock
):
    delay = get_settings().metadata_cache_seconds
    tourist = register()
    pid = partner_item()
    asset = make_asset(pid, "ticket_product")
    batch = codes_service.new_batch(asset, 3, "direct", "done")
    first, during, after = single_use(asset, 3, batch_id=batch.batch_id)
    [other_batch] = single_use(asset, 1)
    assert claim(api, tourist, first).status == 201  # the asset is now cached in this container
    codes_service.revoke_batch(pid, batch.batch_id)  # by the partner function: another container

    clock.advance(delay - 0.001)
    assert claim(api, tourist, during).status == 201  # within the documented delay
    clock.advance(0.001)
    reply = claim(api, tourist, after)
    assert (reply.status, reply.error_code) == (410, "code_revoked")
    assert claim(api, tourist, other_batch).status == 201


@pytest.mark.parametrize("status", ["retired", "revoked"])
def test_given_asset_retired_or_revoked_elsewhere_then_refused_once_the_cached_asset_is_cache_age_old(
    api, register, clock, status
):
    delay = get_settings().metadata_cache_seconds
    tourist = register()
    room = make_asset(partner_item("hotel"), "hotel_room")
    code = static(room)
    assert claim(api, tourist, code).status == 201  # the asset is now cached in this container
    room.update(actions=[Asset.status.set(status)])  # what set_status writes, from another container

    clock.advance(delay - 0.001)
    assert claim(api, register(), code).status == 201  # within the documented delay
    clock.advance(0.001)
    reply = claim(api, register(), code)
    assert (reply.status, reply.error_code) == (410, "code_revoked")


def test_given_default_settings_then_revocation_delay_is_at_most_60_seconds():
    assert 0 < get_settings().metadata_cache_seconds <= 60


ROLE = {"ticket_product": "scenic_spot", "product_sku": "manufacturer", "vehicle": "transport_operator",
        "hotel_room": "hotel"}


@pytest.mark.parametrize("kind", list(ROLE))
def test_given_any_code_when_claimed_then_one_transaction_of_the_record_wallet_and_a_serials_network_key(
    register, kind
):
    user = register().user_id
    asset = make_asset(partner_item(ROLE[kind]), kind)
    code = single_use(asset)[0] if kind in ("ticket_product", "product_sku") else static(asset)
    at = datetime.now(UTC)

    with recorded_claims() as sent:
        assert scan.claim(user, ClaimIn(code=code), at=at).created

    tok, _ = scan.verified(code, at)
    [call] = sent.calls
    record = scan.dedup_key(tok, user, at, asset.timezone)
    # a printed serial takes part in the peers' de-duplication: its network key, keyed by the code
    network = [("Update", key_pk(d), "PEERKEY")] if (d := peers.digest_of(record)) else []
    assert written_keys(call) == [
        ("Put", record, "BEHAVIOUR"),
        *network,
        ("Update", f"USER#{user}", "WALLET"),
    ]
    assert bool(network) == tok.kind.single_use
    assert not any(pk.startswith(("PARTNER#", "FACTOR#")) for _, pk, _ in written_keys(call))


def test_given_rotating_code_outside_its_step_then_410_code_expired(api, register):
    bus = make_asset(partner_item("transport_operator"), "vehicle")
    old_step = int(datetime.now(UTC).timestamp()) // get_settings().rotating_step_seconds - 5
    reply = claim(api, register(), static(bus, Kind.VEHICLE_ROTATING, step=old_step))
    assert (reply.status, reply.error_code) == (410, "code_expired")


def test_given_geofence_then_location_checked(api, register):
    tourist = register()
    fence = {"lat": 25.02, "lng": 113.73, "radius_m": 500}
    bus = make_asset(partner_item("transport_operator"), "vehicle", geofence=fence)
    required = make_asset(partner_item("hotel"), "hotel_room", geofence={**fence, "required": True})
    far = claim(api, tourist, static(bus), lat=23.13, lng=113.26)  # Guangzhou
    assert (far.status, far.error_code) == (422, "out_of_area")
    assert claim(api, tourist, static(required)).error_code == "location_required"
    assert claim(api, tourist, static(bus), lat=25.021, lng=113.731).status == 201
    assert claim(api, tourist, static(required), lat=25.02, lng=113.73).status == 201
    half = api.post("/v1/claims", {"code": static(bus), "lat": 25.0}, as_=tourist)
    assert half.error_code == "validation_error"


@pytest.mark.parametrize("stored, required", [("true", True), ("false", False)])
def test_given_geofence_stored_by_an_earlier_version_as_text_then_read_as_boolean(
    api, register, stored, required
):
    fence = {"lat": 25.02, "lng": 113.73, "radius_m": 500}
    room = make_asset(partner_item("hotel"), "hotel_room", geofence=fence)
    dynamodb = aws.client("dynamodb")
    key = {"pk": {"S": room.pk}, "sk": {"S": room.sk}}
    assert dynamodb.get_item(TableName=Asset.Meta.table_name, Key=key)["Item"]["geofence"]["M"][
        "required"] == {"BOOL": False}  # written as a boolean
    dynamodb.update_item(TableName=Asset.Meta.table_name, Key=key,
                         UpdateExpression="SET geofence.required = :s",
                         ExpressionAttributeValues={":s": {"S": stored}})
    assert Asset.get(room.pk, room.sk).geofence.required is required
    reply = claim(api, register(), static(room))
    assert (reply.status == 201) is not required


def test_given_partner_or_admin_token_then_403(api, make_partner, admin):
    [code] = single_use(make_asset(partner_item(), "ticket_product"))
    for who in (make_partner("hotel"), admin):
        reply = claim(api, who, code)
        assert (reply.status, reply.error_code) == (403, "forbidden")
        assert api.get("/v1/me/wallet", as_=who).status == 403


def test_given_user_without_wallet_then_409_wallet_missing():
    [code] = single_use(make_asset(partner_item(), "ticket_product"))
    with pytest.raises(errors.TanhuiError) as refused:
        scan.claim("no-such-user", ClaimIn(code=code))
    assert (refused.value.status, refused.value.code) == (409, "wallet_missing")


def test_given_daily_cap_when_claims_race_then_exactly_cap_credited(register, admin):
    user = register().user_id
    cap = current("low_carbon_product")
    factors.create_version("low_carbon_product", FactorIn(
        method="per_item", unit="item", gco2e_per_unit=int(cap.gco2e_per_unit), coins_per_unit=2,
        daily_cap=6, source="test: cap of 6 coins, 3 items"), admin.user_id)
    codes = single_use(make_asset(partner_item("manufacturer"), "product_sku"), 12)

    def attempt(code):
        try:
            return scan.claim(user, ClaimIn(code=code)).created
        except errors.DailyCapReached:
            return "cap"

    with ThreadPoolExecutor(12) as pool:
        outcomes = list(pool.map(attempt, codes))
    assert outcomes.count(True) == 3 and outcomes.count("cap") == 9
    wallet = Wallet.get(*Wallet.key(user), consistent_read=True)
    assert int(wallet.coins) == 6


def test_given_50_threads_claiming_one_ticket_then_exactly_one_credit(register):
    users = [register().user_id for _ in range(5)]
    [code] = single_use(make_asset(partner_item(), "ticket_product"))

    def attempt(i):
        try:
            return scan.claim(users[i % 5], ClaimIn(code=code)).created
        except errors.AlreadyClaimed:
            return "taken"

    with ThreadPoolExecutor(50) as pool:
        outcomes = list(pool.map(attempt, range(50)))
    assert outcomes.count(True) == 1
    winner = next(u for u in users if int(Wallet.get(*Wallet.key(u), consistent_read=True).coins) > 0)
    credited = [u for u in users if int(Wallet.get(*Wallet.key(u), consistent_read=True).coins) > 0]
    assert credited == [winner]
    # the winner's own repeats got the original claim (False); everyone else 409
    assert outcomes.count(False) + outcomes.count("taken") == 49


# ---------------------------------------------------------------------- wallet and ledger
def test_given_several_credits_then_ledger_pages_newest_first(api, register):
    tourist = register()
    codes = single_use(make_asset(partner_item(), "ticket_product"), 3)
    ids = [claim(api, tourist, c).body["claim_id"] for c in codes]
    first = api.get("/v1/me/ledger", as_=tourist, query={"limit": "2"})
    assert [e["entry_id"] for e in first.body["items"]] == ids[::-1][:2]
    rest = api.get("/v1/me/ledger", as_=tourist, query={"limit": "2", "cursor": first.body["next_cursor"]})
    assert [e["entry_id"] for e in rest.body["items"]] == ids[:1]
    other = api.get("/v1/me/ledger", as_=register(), query={"cursor": first.body["next_cursor"]})
    assert (other.status, other.error_code) == (400, "invalid_cursor")


def test_given_debit_then_balance_never_negative(register):
    user = register().user_id
    for c in single_use(make_asset(partner_item(), "ticket_product"), 2):
        scan.claim(user, ClaimIn(code=c))
    coins = int(Wallet.get(*Wallet.key(user)).coins)
    with pytest.raises(errors.InsufficientBalance):
        wallets.debit(user, coins + 1, reference="R-too-much")
    after = wallets.debit(user, coins, reference="R-all")
    assert (after.coins, after.spent_coins) == (0, coins)
    with pytest.raises(errors.Conflict):
        wallets.debit(user, 1, reference="R-all")
    kinds = [e.kind for e in wallets.ledger(user).items]
    assert kinds[0] == "spend" and wallets.ledger(user).items[0].coins == -coins
