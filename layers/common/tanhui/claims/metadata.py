"""Metadata the claim reads before its one write, cached per container (`tanhui.cache`): the
asset (also the revocation switch: status, revoked batches) and the partner's display name.

An asset is cached under its table key (`Asset.key`), which is also what `codes.assets` forgets
after it writes the asset. Claims refuse a retired/revoked asset or a revoked batch from this
copy, so those revocations reach a warm container within `metadata_cache_seconds` (a single
code's revocation is immediate: a tombstone, `claims.revocation`).
"""

from __future__ import annotations

from tanhui.cache import cached
from tanhui.models.assets import Asset
from tanhui.models.partner import Partner


def asset(partner_id: str, asset_id: str) -> Asset | None:
    def load() -> Asset | None:
        try:
            return Asset.get(*Asset.key(partner_id, asset_id))
        except Asset.DoesNotExist:
            return None

    return cached(Asset.key(partner_id, asset_id), load)


def partner_name(partner_id: str) -> str | None:
    def load() -> str | None:
        try:
            return Partner.get(*Partner.key(partner_id), attributes_to_get=["name"]).name
        except Partner.DoesNotExist:
            return None

    return cached(("partner_name", partner_id), load)
