"""Assets (what a partner prints codes for) and code batches.

The asset item is also the revocation switch claims read from the per-container metadata cache
(`status = active`, batch not in `revoked_batches`); it is never part of the claim's write.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    MapAttribute,
    NumberAttribute,
    NumberSetAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)

from tanhui.models.base import Gsi1, TanhuiModel
from tanhui.models.partner import partner_pk

# asset kind -> the partner role allowed to create it
ASSET_KIND_ROLE = {
    "ticket_product": "scenic_spot",
    "vehicle": "transport_operator",
    "hotel_room": "hotel",
    "product_sku": "manufacturer",
}


class BooleanOrTextAttribute(BooleanAttribute):
    """A boolean, written as one; reads also the "true"/"false" strings items of earlier
    versions hold (a state `make run` kept in .local/, or a table on AWS)."""

    def get_value(self, value: dict[str, Any]) -> Any:
        if "S" in value:
            return value["S"].strip().lower() == "true"
        return super().get_value(value)


class GeoFence(MapAttribute):
    lat = NumberAttribute()
    lng = NumberAttribute()
    radius_m = NumberAttribute()
    required = BooleanOrTextAttribute(default=False)  # claims must send lat/lng


class Asset(TanhuiModel):
    """pk=PARTNER#<partner_id>, sk=ASSET#<asset_id>. asset_id: 6 hex chars (3 bytes, in tokens).

    attributes by kind:
      ticket_product: {name}
      vehicle:        {vehicle_type: bus|shuttle|boat, plate, route_km}
      hotel_room:     {room_number}
      product_sku:    {sku, gtin, product_name}
    """

    partner_id = UnicodeAttribute()
    asset_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    name = UnicodeAttribute()
    attributes: MapAttribute = MapAttribute(default=dict)
    status = UnicodeAttribute(default="active")
    revoked_batches = UnicodeSetAttribute(null=True)
    geofence = GeoFence(null=True)
    timezone = UnicodeAttribute(default="Asia/Shanghai")
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()

    @staticmethod
    def key(partner_id: str, asset_id: str) -> tuple[str, str]:
        return partner_pk(partner_id), f"ASSET#{asset_id}"


class AssetUnique(TanhuiModel):
    """pk=PARTNER#<partner_id>, sk=UNIQUE#<field>#<value>: which of the partner's assets holds a
    room number, SKU or GTIN (normalised). Put with `attribute_not_exists(pk)` in the asset's own
    transaction, so two rooms 1209 cannot both be written, however close together."""

    partner_id = UnicodeAttribute()
    field = UnicodeAttribute()  # room_number | sku | gtin
    value = UnicodeAttribute()
    asset_id = UnicodeAttribute()
    # a GTIN's holders across manufacturers (gsi1pk=GTIN#<gtin-14>, gsi1sk=<partner id>): a shop's
    # sales file finds the product whichever manufacturer registered it
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_gtin = Gsi1()

    @staticmethod
    def key(partner_id: str, field: str, value: str) -> tuple[str, str]:
        return partner_pk(partner_id), f"UNIQUE#{field}#{value}"


def gtin_pk(gtin: str) -> str:
    """The gsi1 partition of the product SKUs with this GTIN-14, whoever registered them."""
    return f"GTIN#{gtin}"


def batches_pk(partner_id: str) -> str:
    """The gsi1 partition listing a partner's code batches."""
    return f"{partner_pk(partner_id)}#BATCHES"


class CodeBatch(TanhuiModel):
    """pk=PARTNER#<partner_id>, sk=BATCH#<batch_id>: a group of single-use codes (ticket or
    packaging) generated together, directly (≤1,000) or by the print worker (≤1,000,000).
    Listed newest first through gsi1 (gsi1pk=PARTNER#<id>#BATCHES, gsi1sk=<created>#<batch_id>)."""

    partner_id = UnicodeAttribute()
    batch_id = UnicodeAttribute()
    asset_id = UnicodeAttribute()
    kind = UnicodeAttribute()  # ticket | packaging
    codes_total = NumberAttribute()  # how many codes the batch holds
    mode = UnicodeAttribute()  # direct | print
    status = UnicodeAttribute()  # pending | running | done | failed | revoked
    chunks_total = NumberAttribute(default=0)
    chunks_done = NumberAttribute(default=0)
    codes_done = NumberAttribute(default=0)
    done_chunks = NumberSetAttribute(null=True)  # chunk numbers already counted (redelivery-safe)
    files: MapAttribute = MapAttribute(default=dict)  # chunk number -> {"pdf": key, "csv": key}
    error = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    gsi1pk = UnicodeAttribute(null=True)  # null on batches made before batches were listed
    gsi1sk = UnicodeAttribute(null=True)
    by_listing = Gsi1()

    @staticmethod
    def key(partner_id: str, batch_id: str) -> tuple[str, str]:
        return partner_pk(partner_id), f"BATCH#{batch_id}"
