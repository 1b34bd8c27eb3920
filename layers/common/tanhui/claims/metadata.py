"""Cached metadata the claim reads that no other area owns (the partner's display name).

The cache itself (TTL, per container) is `tanhui.cache`.
"""

from __future__ import annotations

from tanhui.cache import cached


def partner_name(partner_id: str) -> str | None:
    def load() -> str | None:
        from tanhui.models.partner import Partner

        try:
            return Partner.get(*Partner.key(partner_id), attributes_to_get=["name"]).name
        except Partner.DoesNotExist:
            return None

    return cached(("partner_name", partner_id), load)
