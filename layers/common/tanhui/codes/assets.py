"""Assets: what a partner prints codes for (a ticket product, a vehicle, a hotel room, a SKU).

The asset item is also the revocation switch (status, revoked batches) that claims read from
the per-container metadata cache (`claims.metadata.asset`): every write here forgets that copy.
"""

from __future__ import annotations

import functools

from pydantic import TypeAdapter, ValidationError
from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action

from tanhui import cache, errors, request_models
from tanhui.codes.schemas import AssetIn, AssetList, AssetOut, AssetPatch, KindAttributes
from tanhui.models.assets import ASSET_KIND_ROLE, Asset, GeoFence
from tanhui.models.base import plain, save_with_fresh_id, utc_now
from tanhui.models.pages import decode_cursor, encode_cursor
from tanhui.models.partner import partner_pk
from tanhui.observability import logger
from tanhui.partners import registry as partners


class AssetKindNotAllowed(errors.Forbidden):
    code, message = "asset_kind_not_allowed", "Your partner role cannot register this kind of asset."


class AssetNotActive(errors.Conflict):
    code, message = "asset_not_active", "The asset is retired or revoked."


@functools.cache
def _asset_out() -> TypeAdapter[AssetOut]:
    return TypeAdapter(AssetOut)  # built on first use, not at import


@functools.cache
def _kind_attributes() -> TypeAdapter[KindAttributes]:
    return TypeAdapter(KindAttributes)


def out(a: Asset) -> AssetOut:
    return _asset_out().validate_python(a, from_attributes=True)


def _geofence(body: AssetIn | AssetPatch) -> GeoFence | None:
    g = body.geofence
    if g is None:
        return None
    return GeoFence(lat=g.lat, lng=g.lng, radius_m=g.radius_m, required=g.required)


def create(partner_id: str, body: AssetIn) -> AssetOut:
    role = partners.get_partner(partner_id).role
    if ASSET_KIND_ROLE[body.kind] != role:
        raise AssetKindNotAllowed(
            f"A {role} partner cannot register {body.kind} assets "
            f"(they belong to {ASSET_KIND_ROLE[body.kind]} partners)."
        )
    now = utc_now()
    item = save_with_fresh_id(
        lambda asset_id: Asset(
            *Asset.key(partner_id, asset_id),
            partner_id=partner_id,
            asset_id=asset_id,
            kind=body.kind,
            name=body.attributes.asset_name(),
            attributes=body.attributes.model_dump(exclude_none=True),
            geofence=_geofence(body),
            timezone=body.timezone or "Asia/Shanghai",
            created_at=now,
            updated_at=now,
        )
    )
    if item is None:
        raise errors.Conflict("Could not allocate an asset id; try again.", code="id_exhausted")
    logger.info("asset created", extra={"partner_id": partner_id, "asset_id": item.asset_id})
    return out(item)


def get(partner_id: str, asset_id: str) -> Asset:
    """A partner's own asset; another partner's asset does not exist for them (404)."""
    try:
        return Asset.get(*Asset.key(partner_id, asset_id.upper()))
    except Asset.DoesNotExist as exc:
        raise errors.NotFound("No such asset.", code="asset_not_found") from exc


def active_asset(partner_id: str, asset_id: str) -> Asset:
    asset = get(partner_id, asset_id)
    if asset.status != "active":
        raise AssetNotActive(f"The asset is {asset.status}; it cannot get new codes.")
    return asset


def list_assets(partner_id: str, limit: int, cursor: str | None) -> AssetList:
    start = decode_cursor(
        cursor, {"pk", "sk"}, equal={"pk": partner_pk(partner_id)}, prefix={"sk": "ASSET#"}
    )
    page = Asset.query(
        partner_pk(partner_id),
        Asset.sk.startswith("ASSET#"),
        limit=limit,
        page_size=limit,
        last_evaluated_key=start,
    )
    items = [out(a) for a in page]
    return AssetList(items=items, next_cursor=encode_cursor(page.last_evaluated_key))


def update(partner_id: str, asset_id: str, body: AssetPatch) -> AssetOut:
    asset = get(partner_id, asset_id)
    actions: list[Action] = [Asset.updated_at.set(utc_now())]
    if body.attributes is not None:
        merged = {"kind": asset.kind, "attributes": plain(asset.attributes) | body.attributes}
        try:
            checked = _kind_attributes().validate_python(merged)
        except ValidationError as exc:  # the same 422 as POST gives for these attributes
            details = errors.validation_details(exc.errors(), tags=request_models.union_tags())
            raise errors.Unprocessable("The request is not valid.", details=details) from exc
        actions += [
            Asset.attributes.set(checked.attributes.model_dump(exclude_none=True)),
            Asset.name.set(checked.attributes.asset_name()),
        ]
    if body.geofence is not None:
        actions.append(Asset.geofence.set(_geofence(body)))  # type: ignore[arg-type]
    if body.timezone is not None:
        actions.append(Asset.timezone.set(body.timezone))
    asset.update(actions=actions, condition=Asset.pk.exists())
    cache.forget(Asset.key(partner_id, asset.asset_id))  # `claims.metadata.asset`
    return out(asset)


def set_status(partner_id: str, asset_id: str, status: str) -> AssetOut:
    """Retire (out of service) or revoke (compromised). Either refuses every claim of the
    asset's codes from the next write on; neither can be undone to keep claims verifiable."""
    asset = get(partner_id, asset_id)
    if asset.status == status:
        return out(asset)
    try:
        asset.update(
            actions=[Asset.status.set(status), Asset.updated_at.set(utc_now())],
            condition=Asset.status == "active",
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise AssetNotActive(f"The asset is already {get(partner_id, asset_id).status}.") from exc
        raise
    cache.forget(Asset.key(partner_id, asset.asset_id))  # `claims.metadata.asset`
    logger.info("asset status changed", extra={"asset_id": asset.asset_id, "status": status})
    return out(asset)
