"""Assets: what a partner prints codes for (a ticket product, a vehicle, a hotel room, a SKU).

The asset item is also the revocation switch (status, revoked batches) that claims read from
the per-container metadata cache (`claims.metadata.asset`): every write here forgets that copy.

A partner's room numbers, SKUs and GTINs name one asset each (files match rows by them): each is
an `AssetUnique` item written in the same transaction as the asset, on the condition that no
other asset holds it; a second room 1209 is refused 409 `asset_exists`, naming the first. A
revoked asset gives its numbers back (a new room 1209 with fresh codes replaces it).
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Mapping
from typing import Any

from pydantic import TypeAdapter, ValidationError
from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action

from tanhui import cache, errors, request_models
from tanhui.codes.schemas import AssetIn, AssetList, AssetOut, AssetPatch, KindAttributes
from tanhui.codes.token import gtin14
from tanhui.models.assets import ASSET_KIND_ROLE, Asset, AssetUnique, GeoFence, gtin_pk
from tanhui.models.base import plain, utc_now
from tanhui.models.pages import decode_cursor, page_items
from tanhui.models.partner import partner_pk
from tanhui.models.writes import Cancelled, WritePlan, retrying
from tanhui.observability import logger
from tanhui.partners import registry as partners


class AssetKindNotAllowed(errors.Forbidden):
    code, message = "asset_kind_not_allowed", "Your partner role cannot register this kind of asset."


class AssetNotActive(errors.Conflict):
    code, message = "asset_not_active", "The asset is retired or revoked."


class AssetExists(errors.Conflict):
    code, message = "asset_exists", "Another of your assets already has this room number, SKU or GTIN."


UNIQUE_FIELDS = {"hotel_room": ("room_number",), "product_sku": ("sku", "gtin")}
ID_DRAWS = 8


def unique_values(kind: str, attributes: Mapping[str, Any]) -> dict[str, str]:
    """The values that name one asset of the partner, as files match them: room numbers and
    SKUs trimmed and upper-cased, GTINs as GTIN-14."""
    found = {}
    for name in UNIQUE_FIELDS.get(kind, ()):
        raw = str(attributes.get(name) or "").strip()
        value = gtin14(raw) if name == "gtin" else raw.upper()
        if value:
            found[name] = value
    return found


def _holds(partner_id: str, asset_id: str, name: str, value: str) -> AssetUnique:
    gtin = name == "gtin"  # listed by GTIN: a shop's sales file finds it (imports.records)
    return AssetUnique(
        *AssetUnique.key(partner_id, name, value),
        partner_id=partner_id, field=name, value=value, asset_id=asset_id,
        gsi1pk=gtin_pk(value) if gtin else None, gsi1sk=partner_id if gtin else None,
    )


def _take(plan: WritePlan, partner_id: str, asset_id: str, values: Mapping[str, str]) -> list[AssetUnique]:
    """Each unique value held for the asset, named `take <field>`."""
    items = [_holds(partner_id, asset_id, name, value) for name, value in values.items()]
    for item in items:
        plan.put(f"take {item.field}", item,
                 condition=AssetUnique.pk.does_not_exist() | (AssetUnique.asset_id == asset_id))
    return items


def _give_back(plan: WritePlan, partner_id: str, asset_id: str, values: Mapping[str, str]) -> None:
    for name, value in values.items():
        plan.delete(
            f"give back {name}",
            AssetUnique(*AssetUnique.key(partner_id, name, value)),
            condition=AssetUnique.pk.does_not_exist() | (AssetUnique.asset_id == asset_id),
        )


def _refuse_taken(cancelled: Cancelled, taken: list[AssetUnique]) -> None:
    """Raises AssetExists naming the asset that holds the first refused value, if any was."""
    for item in taken:
        if f"take {item.field}" not in cancelled.failed:
            continue
        try:
            holder = AssetUnique.get(item.pk, item.sk, consistent_read=True).asset_id
        except AssetUnique.DoesNotExist:
            holder = ""  # given back in the meantime: the caller may try again
        label = item.field.replace("_", " ")
        raise AssetExists(
            f"Your asset {holder} already has the {label} {item.value}; change or revoke it first.",
            details={"asset_id": holder, "field": item.field, "value": item.value},
        ) from cancelled


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
    attributes = body.attributes.model_dump(exclude_none=True)
    values = unique_values(body.kind, attributes)
    for _ in range(ID_DRAWS):
        asset_id = secrets.token_bytes(3).hex().upper()  # as `models.base.save_with_fresh_id`
        item = Asset(
            *Asset.key(partner_id, asset_id),
            partner_id=partner_id,
            asset_id=asset_id,
            kind=body.kind,
            name=body.attributes.asset_name(),
            attributes=attributes,
            geofence=_geofence(body),
            timezone=body.timezone or "Asia/Shanghai",
            created_at=now,
            updated_at=now,
        )
        plan = WritePlan("asset_create", key=(partner_id, asset_id))
        plan.put("asset", item, condition=Asset.pk.does_not_exist())
        taken = _take(plan, partner_id, asset_id, values)
        try:
            retrying(plan.send, operation="asset_create")
        except Cancelled as cancelled:
            _refuse_taken(cancelled, taken)
            if "asset" in cancelled.failed:
                continue  # the id is taken: draw again
            raise
        logger.info("asset created", extra={"partner_id": partner_id, "asset_id": asset_id})
        return out(item)
    raise errors.Conflict("Could not allocate an asset id; try again.", code="id_exhausted")


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
    items, next_cursor = page_items(page, out)
    return AssetList(items=items, next_cursor=next_cursor)


def update(partner_id: str, asset_id: str, body: AssetPatch) -> AssetOut:
    asset = get(partner_id, asset_id)
    actions: list[Action] = [Asset.updated_at.set(utc_now())]
    merged_attributes: dict[str, Any] = {}
    if body.attributes is not None:
        merged = {"kind": asset.kind, "attributes": plain(asset.attributes) | body.attributes}
        try:
            checked = _kind_attributes().validate_python(merged)
        except ValidationError as exc:  # the same 422 as POST gives for these attributes
            details = errors.validation_details(exc.errors(), tags=request_models.union_tags())
            raise errors.Unprocessable("The request is not valid.", details=details) from exc
        merged_attributes = checked.attributes.model_dump(exclude_none=True)
        actions += [
            Asset.attributes.set(merged_attributes),
            Asset.name.set(checked.attributes.asset_name()),
        ]
    if body.geofence is not None:
        actions.append(Asset.geofence.set(_geofence(body)))  # type: ignore[arg-type]
    if body.timezone is not None:
        actions.append(Asset.timezone.set(body.timezone))
    before = unique_values(asset.kind, plain(asset.attributes))
    after = unique_values(asset.kind, merged_attributes) if body.attributes is not None else before
    gone = {k: v for k, v in before.items() if after.get(k) != v}
    new = {k: v for k, v in after.items() if before.get(k) != v}
    if not (gone or new):
        asset.update(actions=actions, condition=Asset.pk.exists())
    else:
        plan = WritePlan("asset_update")
        plan.update("asset", asset, actions, condition=Asset.pk.exists())
        _give_back(plan, partner_id, asset.asset_id, gone)
        taken = _take(plan, partner_id, asset.asset_id, new)
        try:
            retrying(plan.send, operation="asset_update")
        except Cancelled as cancelled:
            _refuse_taken(cancelled, taken)
            raise
        asset.refresh(consistent_read=True)
    cache.forget(Asset.key(partner_id, asset.asset_id))  # `claims.metadata.asset`
    return out(asset)


def set_status(partner_id: str, asset_id: str, status: str) -> AssetOut:
    """Retire (out of service) or revoke (compromised). Either refuses every claim of the
    asset's codes from the next write on; neither can be undone to keep claims verifiable."""
    asset = get(partner_id, asset_id)
    if asset.status == status:
        return out(asset)
    actions: list[Action] = [Asset.status.set(status), Asset.updated_at.set(utc_now())]
    values = unique_values(asset.kind, plain(asset.attributes)) if status == "revoked" else {}
    try:
        if values:  # a revoked asset gives its room number, SKU and GTIN back
            plan = WritePlan("asset_status")
            plan.update("asset", asset, actions, condition=Asset.status == "active")
            _give_back(plan, partner_id, asset.asset_id, values)
            retrying(plan.send, operation="asset_status")
            asset.refresh(consistent_read=True)
        else:
            asset.update(actions=actions, condition=Asset.status == "active")
    except (UpdateError, Cancelled) as exc:
        if isinstance(exc, UpdateError) and exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        if isinstance(exc, Cancelled) and "asset" not in exc.failed:
            raise
        raise AssetNotActive(f"The asset is already {get(partner_id, asset_id).status}.") from exc
    cache.forget(Asset.key(partner_id, asset.asset_id))  # `claims.metadata.asset`
    logger.info("asset status changed", extra={"asset_id": asset.asset_id, "status": status})
    return out(asset)
