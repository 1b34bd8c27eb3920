"""Claim domain rules with no AWS: nights, windows, factors, refusals, the debit condition."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError
from tanhui import errors
from tanhui.claims import factors, keys, scan
from tanhui.claims import transaction as tx
from tanhui.models.assets import Asset, GeoFence
from tanhui.models.behaviour import BehaviourRecord
from tanhui.models.factors import FactorVersion
from tanhui.models.writes import Cancelled, WritePlan
from tanhui.wallet import account as wallets

SHANGHAI_22H = datetime(2026, 11, 3, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("offset", "night"),
    [(timedelta(0), "2026-11-03"), (timedelta(hours=13, minutes=59), "2026-11-03"),
     (timedelta(hours=14), "2026-11-04"), (timedelta(hours=-11), "2026-11-02")],
)
def test_given_local_time_then_night_rolls_over_at_noon(offset, night):
    assert keys.night_of(SHANGHAI_22H + offset) == night


def test_given_asset_time_zone_then_night_is_local_to_it():
    # 10:00 UTC is 18:00 in Shanghai (that evening) but 11:00 in Paris (previous night)
    at = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
    assert (keys.night_of(at), keys.night_of(at, "Europe/Paris")) == ("2026-11-03", "2026-11-02")


def test_given_times_then_ride_windows_are_30_minutes():
    base = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
    assert keys.ride_window(base) == keys.ride_window(base + timedelta(minutes=29, seconds=59))
    assert keys.ride_window(base + timedelta(minutes=30)) == keys.ride_window(base) + 1


def _factor(**kw):
    base = dict(behaviour="x", version=1, method="per_ticket", unit="u", coins_per_unit=2,
                daily_cap=1, source="s", effective_from="2020-01-01T00:00:00Z", created_at="c")
    return FactorVersion(**(base | kw))


def test_given_per_ride_factor_then_route_km_times_saved_grams():
    ride = _factor(method="per_ride", baseline_g_per_km=110, eco_g_per_km=30, coins_per_unit=1)
    assert factors.reduction(ride, {"route_km": 12.5}) == (1, 1000)
    with pytest.raises(factors.AssetIncomplete):
        factors.reduction(ride, {})
    with pytest.raises(factors.AssetIncomplete):
        factors.reduction(ride, {"route_km": 0})
    assert factors.reduction(_factor(gco2e_per_unit=1500), {}) == (2, 1500)


def test_given_effective_from_without_millis_then_stored_comparable_to_claim_times():
    assert factors.utc_ms("2026-12-01T00:00:00Z") == "2026-12-01T00:00:00.000Z"
    assert factors.utc_ms("2026-12-01T08:30:00.5Z") == "2026-12-01T08:30:00.500Z"


def test_given_versions_then_newest_in_effect_wins():
    v1, v2 = _factor(version=1), _factor(version=2, effective_from="2026-12-01T00:00:00.000Z")
    assert factors.in_effect([v2, v1], "2026-11-30T23:59:59.999Z") is v1
    assert factors.in_effect([v2, v1], "2026-12-01T00:00:00.000Z") is v2
    assert factors.in_effect([v2], "2026-01-01T00:00:00Z") is None


def test_given_seed_then_hotel_night_is_two_coins_and_methods_fit_behaviours():
    assert factors.DEFAULTS["hotel_low_carbon_night"]["coins_per_unit"] == 2
    for behaviour, numbers in factors.DEFAULTS.items():
        assert numbers["method"] == factors.allowed_method(behaviour)
        assert "广东省碳普惠制试点建设指南 §" in numbers["source"]


# ----------------------------------------------------------------------------- refusals
def _record(**kw):
    raw = BehaviourRecord(*BehaviourRecord.key("BEHAVIOUR#k"), created_at="t", **kw).serialize()
    return CancellationReason(code="ConditionalCheckFailed", raw_item=raw)


CCF = CancellationReason(code="ConditionalCheckFailed")


@pytest.mark.parametrize(
    ("reasons", "expected"),
    [
        ([_record(status="revoked"), None], errors.CodeRevoked),
        ([_record(user_id="other", partner_id="P", asset_id="A"), None], errors.AlreadyClaimed),
        ([_record(user_id="me", partner_id="P", asset_id="B"), None], tx.Existing),  # other room
        ([_record(user_id="me", partner_id="P", asset_id="A"), None], tx.Existing),
        ([CCF, None], errors.AlreadyClaimed),
        ([None, CancellationReason(code="ConditionalCheckFailed",
                                   raw_item={"pk": {"S": "x"}, "consent_version": {"S": "v"}})],
         errors.DailyCapReached),
        ([None, CancellationReason(code="ConditionalCheckFailed", raw_item={"pk": {"S": "x"}})],
         errors.ConsentNotGiven),
        ([None, CCF], tx.WalletMissing),
        ([CancellationReason(code="TransactionConflict"), None], type(None)),  # contention: retried
        ([_record(user_id="me", partner_id="P", asset_id="A"), CCF], tx.Existing),
        ([CancellationReason(code="ValidationError"), None], type(None)),
    ],
)
def test_given_cancellation_reasons_then_mapped_to_refusals(reasons, expected):
    plan = WritePlan("claim")
    plan.put_raw("record", {})
    plan.update_raw("wallet", {})
    cancelled = Cancelled(plan, SimpleNamespace(cancellation_reasons=reasons))  # type: ignore[arg-type]
    assert isinstance(tx.refusal(cancelled, "me"), expected)


def test_given_wallet_credit_then_cap_counter_is_todays_shanghai_date_and_old_days_removed():
    at = datetime(2026, 11, 3, 16, 30, tzinfo=UTC)  # 00:30 on 11-04 in Shanghai
    item = tx.wallet_credit("u1", "eco_vehicle_ride", 1, 1000, 10, at, "now")
    names = item["ExpressionAttributeNames"]
    assert names["#cap0"] == "cap_20261104_eco_vehicle_ride"
    assert names["#old0"] == "cap_20261103_eco_vehicle_ride" and "#old6" in names
    assert "#cap0 <= :roomcap0" in item["ConditionExpression"]  # caps count coins: room for this one
    assert item["ExpressionAttributeValues"][":roomcap0"] == {"N": "9"}
    assert item["ExpressionAttributeValues"][":ncap0"] == {"N": "1"}


def test_given_file_credit_over_several_nights_then_each_day_counted_and_none_also_removed():
    at = datetime(2026, 11, 3, 4, 0, tzinfo=UTC)  # 12:00 on 11-03 in Shanghai
    days = {"20261101": 2, "20261102": 2}
    item = tx.wallet_credit("u1", "hotel_low_carbon_night", 4, 3000, 2, at, "now", days=days)
    names = item["ExpressionAttributeNames"]
    counted = {names["#cap0"], names["#cap1"]}
    assert counted == {"cap_20261101_hotel_low_carbon_night", "cap_20261102_hotel_low_carbon_night"}
    removed = {v for k, v in names.items() if k.startswith("#old")}
    assert removed and not removed & counted  # DynamoDB refuses a path both set and removed
    assert "#cap1 <= :roomcap1" in item["ConditionExpression"]
    assert item["ExpressionAttributeValues"][":ncap1"] == {"N": "2"}


def test_given_claim_ids_then_unique_and_time_sortable():
    t = datetime(2026, 11, 3, tzinfo=UTC)
    ids = [scan.new_claim_id(t + timedelta(milliseconds=i)) for i in range(50)]
    assert ids == sorted(ids) and len(set(ids)) == 50 and all(len(i) == 26 for i in ids)


def test_given_geofence_then_far_scans_refused_and_missing_location_only_if_required():
    asset = Asset(geofence=GeoFence(lat=25.02, lng=113.73, radius_m=500, required=False))
    scan.check_location(asset, None, None)
    scan.check_location(asset, 25.0245, 113.73)  # ~500 m north: within radius + slack
    with pytest.raises(errors.OutOfArea):
        scan.check_location(asset, 25.03, 113.73)  # ~1.1 km
    asset.geofence.required = True
    with pytest.raises(scan.LocationRequired):
        scan.check_location(asset, None, None)


def test_given_debit_beyond_balance_then_insufficient_balance_and_condition_guards_it():
    sent = {}

    def fake(**kwargs):
        sent.update(kwargs)
        cause = VerboseClientError({"Error": {"Code": "TransactionCanceledException"}}, "TransactWriteItems",
                                   cancellation_reasons=[None, CCF])
        raise TransactWriteError("x", cause)

    patched = mock.patch("tanhui.models.transactions.Connection.transact_write_items", side_effect=fake)
    with patched, pytest.raises(errors.InsufficientBalance):
        wallets.debit("u1", 5, reference="R1")
    [update] = sent["update_items"]
    assert "coins" in str(update["ExpressionAttributeNames"].values())
    assert ">=" in update["ConditionExpression"]
    with pytest.raises(errors.BadRequest):
        wallets.debit("u1", 0, reference="R2")
