"""Idempotency keys: which request a caller's `Idempotency-Key` was first used for, and what it made."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from tanhui.models.base import TanhuiModel


class IdempotencyRecord(TanhuiModel):
    """pk=IDEMPOTENCY#<operation>#<caller>#<key>, sk=REQUEST; expires (TTL) after a day."""

    request_hash = UnicodeAttribute()
    resource_id = UnicodeAttribute(null=True)  # set once the resource exists
    locked_until = NumberAttribute()  # unix seconds: a crashed first attempt can be taken over after
    created_at = UnicodeAttribute()

    @staticmethod
    def key(operation: str, caller: str, key: str) -> tuple[str, str]:
        return f"IDEMPOTENCY#{operation}#{caller}#{key}", "REQUEST"
