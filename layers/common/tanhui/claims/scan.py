"""A tourist's scan turned into a credit, exactly once, in one write request.

Before the write only per-container cached metadata is read (keyring, asset, factor, partner
name). A retired or revoked asset and a revoked batch are refused from that cached asset, so they
take effect within `settings.metadata_cache_seconds`; a revoked single code is a tombstone at its
de-duplication key and is refused by the write itself, at once. The write is the transaction of
`claims.transaction` (record + wallet, and for a printed single-use code its network key,
`claims.peers`); its cancellation reasons become the refusals. A retry of the same behaviour by
the same user is answered with the original claim (`already_credited`), found in the failed
put's ALL_OLD item.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tanhui import errors
from tanhui.claims import factors, keys, metadata, peers
from tanhui.claims import transaction as tx
from tanhui.claims.schemas import ClaimIn, ClaimOut
from tanhui.codes import keyring, token
from tanhui.codes.token import Kind
from tanhui.config import get_settings
from tanhui.models.assets import Asset
from tanhui.models.base import iso_ms, plain, sortable_id
from tanhui.models.behaviour import BehaviourRecord, ledger_pk
from tanhui.models.writes import Cancelled, WritePlan, retrying
from tanhui.observability import logger, metrics
from tanhui.wallet import account as wallets

BEHAVIOUR_OF = {
    Kind.TICKET: "ticket_non_disposable",
    Kind.PACKAGING: "low_carbon_product",
    Kind.VEHICLE: "eco_vehicle_ride",
    Kind.VEHICLE_ROTATING: "eco_vehicle_ride",
    Kind.HOTEL_ROOM: "hotel_low_carbon_night",
}
ASSET_KIND_OF = {
    Kind.TICKET: "ticket_product",
    Kind.PACKAGING: "product_sku",
    Kind.VEHICLE: "vehicle",
    Kind.VEHICLE_ROTATING: "vehicle",
    Kind.HOTEL_ROOM: "hotel_room",
}
GPS_SLACK_M = 100.0  # phone location error tolerated beyond the geofence radius


class LocationRequired(errors.Unprocessable):
    code, message = "location_required", "This code can only be claimed with the phone's location."


@dataclass(frozen=True, slots=True)
class ClaimResult:
    body: ClaimOut
    created: bool


# ---------------------------------------------------------------------------- pure helpers
def new_claim_id(at: datetime) -> str:
    """26 characters that sort by time (`models.base.sortable_id`)."""
    return sortable_id(at)


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


def check_location(asset: Asset, lat: float | None, lng: float | None) -> None:
    """Without a geofence anything goes. Without a location: allowed unless the fence is
    `required` (then 422 location_required). With one: within radius + GPS slack, else out_of_area."""
    fence = asset.geofence
    if fence is None:
        return
    if lat is None or lng is None:
        if fence.required:
            raise LocationRequired()
        return
    if distance_m(float(fence.lat), float(fence.lng), lat, lng) > float(fence.radius_m) + GPS_SLACK_M:
        raise errors.OutOfArea()


def check_not_revoked(asset: Asset, tok: token.Token) -> None:
    """Asset- and batch-level revocation, read from the cached asset (stale by at most the
    metadata cache age). Kept out of the transaction: a condition on the asset item would make
    it an item shared by everyone who scans the product."""
    revoked_batches = asset.revoked_batches or set()
    if asset.status != "active" or (tok.batch_id is not None and tok.batch_id in revoked_batches):
        raise errors.CodeRevoked()


def dedup_key(tok: token.Token, user_id: str, at: datetime, timezone: str) -> str:
    if tok.kind.single_use:
        assert tok.serial is not None
        return keys.single_use_code(tok.serial)
    if tok.kind is Kind.HOTEL_ROOM:
        return keys.hotel_night(user_id, keys.night_of(at, timezone or keys.DEFAULT_TZ))
    return keys.vehicle_ride(tok.partner_id, tok.asset_id, user_id, keys.ride_window(at))


def _asset_out(record: BehaviourRecord) -> dict[str, Any]:
    return {
        "partner_id": record.partner_id,
        "partner_name": record.partner_name,
        "asset_id": record.asset_id,
        "name": record.asset_name,
    }


def _out(record: BehaviourRecord, wallet: Any, *, already: bool) -> ClaimOut:
    return ClaimOut(
        claim_id=record.claim_id or "",
        behaviour=record.behaviour or "",
        asset=_asset_out(record),
        coins=int(record.coins),
        gco2e=int(record.gco2e),
        factor_version=int(record.factor_version or 0),
        claimed_at=record.created_at,
        wallet=wallet,
        already_credited=already,
    )


# ------------------------------------------------------------------------------------ claim
def verified(code: str, at: datetime) -> tuple[token.Token, Asset]:
    """The scanned code's token and its asset (cached), or InvalidCode / CodeExpired."""
    scanned = token.parse_scanned(code)
    tok = token.verify(scanned.token, keyring.verifying_key)
    token.check_fresh(tok, at.timestamp(), get_settings().rotating_step_seconds)
    asset = metadata.asset(tok.partner_id, tok.asset_id)
    if asset is None or asset.kind != ASSET_KIND_OF[tok.kind]:
        raise errors.InvalidCode()
    if (
        scanned.gtin is not None
        and token.gtin14(str(plain(asset.attributes).get("gtin") or "")) != scanned.gtin
    ):
        raise errors.InvalidCode()
    return tok, asset


def claim(user_id: str, body: ClaimIn, *, at: datetime | None = None) -> ClaimResult:
    at = at or datetime.now(UTC)
    now_iso = iso_ms(at)
    tok, asset = verified(body.code, at)
    check_not_revoked(asset, tok)
    check_location(asset, body.lat, body.lng)
    behaviour = BEHAVIOUR_OF[tok.kind]
    factor = factors.factor_for(behaviour, now_iso)
    coins, gco2e = factors.reduction(factor, plain(asset.attributes))
    claim_id = new_claim_id(at)
    record = BehaviourRecord(
        *BehaviourRecord.key(dedup_key(tok, user_id, at, asset.timezone)),
        claim_id=claim_id,
        user_id=user_id,
        behaviour=behaviour,
        channel="scan",
        partner_id=tok.partner_id,
        partner_name=metadata.partner_name(tok.partner_id),
        asset_id=tok.asset_id,
        asset_name=asset.name,
        evidence={"code_id": tok.text},
        factor_version=int(factor.version),
        coins=coins,
        gco2e=gco2e,
        occurred_at=now_iso,
        created_at=now_iso,
        gsi1pk=ledger_pk(user_id),
        gsi1sk=f"{now_iso}#{claim_id}",
    ).seal()
    plan = WritePlan("claim", key=(record.pk, user_id))
    tx.put_record(plan, "record", record)
    peers.add_ours(plan, "peer", record.pk, now_iso)  # only a behaviour that takes part (滤重)
    plan.update_raw("wallet", tx.wallet_credit(
        user_id, behaviour, coins, gco2e, int(factor.daily_cap), at, now_iso,
        monthly_cap=None if factor.monthly_cap is None else int(factor.monthly_cap),
    ))
    try:
        retrying(plan.send, operation="claim")
    except Cancelled as cancelled:
        outcome = tx.refusal(cancelled, user_id)
        if isinstance(outcome, tx.Existing):
            metrics.add_metric(name="ClaimRepeated", unit="Count", value=1)
            return ClaimResult(_out(outcome.record, wallets.balance(user_id), already=True), False)
        if outcome is not None:
            raise outcome from cancelled
        raise
    metrics.add_metric(name="ClaimCredited", unit="Count", value=1)
    metrics.add_metric(name="CoinsCredited", unit="Count", value=coins)  # the dashboard's coins
    logger.info("claim credited", extra={"claim_id": claim_id, "behaviour": behaviour, "coins": coins})
    return ClaimResult(_out(record, wallets.balance(user_id), already=False), True)
