"""Ledger exports and the hash chain that links their manifests.

    ExportJob  pk=EXPORT#<export id>, sk=EXPORT   one per POST /v1/admin/exports (ids sort by time),
                                                  listed through gsi1 (gsi1pk=EXPORTS, gsi1sk=<id>)
    ChainHead  pk=EXPORT_CHAIN, sk=HEAD           the last completed export: its id, sequence and
                                                  manifest SHA-256, moved on only by a conditional
                                                  update naming the head it read (compare-and-swap)
"""

from __future__ import annotations

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute

from tanhui.models.base import Gsi1, TanhuiModel

EXPORT_SK = "EXPORT"
CHAIN_PK, CHAIN_SK = "EXPORT_CHAIN", "HEAD"
LISTING = "EXPORTS"


class ExportJob(TanhuiModel):
    export_id = UnicodeAttribute()
    from_day = UnicodeAttribute()  # UTC date, inclusive
    to_day = UnicodeAttribute()  # UTC date, inclusive
    status = UnicodeAttribute()  # pending | running | completed | failed
    requested_by = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()  # also the cutoff: records created before it are exported
    updated_at = UnicodeAttribute()
    error = UnicodeAttribute(null=True)
    rows = NumberAttribute(null=True)
    coins = NumberAttribute(null=True)
    gco2e = NumberAttribute(null=True)
    files: MapAttribute = MapAttribute(null=True)  # name -> {sha256, rows, bytes}
    sequence = NumberAttribute(null=True)  # its place in the chain, 1 for the first
    manifest_sha256 = UnicodeAttribute(null=True)
    previous_export_id = UnicodeAttribute(null=True)
    previous_manifest_sha256 = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)  # LISTING (exports made before the listing have none)
    gsi1sk = UnicodeAttribute(null=True)  # the export id: newest first read backwards
    by_listing = Gsi1()

    @staticmethod
    def key(export_id: str) -> tuple[str, str]:
        return f"EXPORT#{export_id}", EXPORT_SK


class ChainHead(TanhuiModel):
    export_id = UnicodeAttribute()
    sequence = NumberAttribute()
    manifest_sha256 = UnicodeAttribute()
    updated_at = UnicodeAttribute()

    @staticmethod
    def key() -> tuple[str, str]:
        return CHAIN_PK, CHAIN_SK
