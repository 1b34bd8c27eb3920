"""Idempotency keys: which request a caller's `Idempotency-Key` was first used for, and what it made."""

from __future__ import annotations

import hashlib

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from tanhui.models.base import TanhuiModel


class IdempotencyRecord(TanhuiModel):
    """pk=IDEMPOTENCY#<operation>#<caller's digest>#<key>, sk=REQUEST; expires (TTL) after a day.
    The caller (a user or partner id) is kept as the first 32 hex characters of its SHA-256, so no
    key names a person who closed their account."""

    request_hash = UnicodeAttribute()
    resource_id = UnicodeAttribute(null=True)  # set once the resource exists
    locked_until = NumberAttribute()  # unix seconds: a crashed first attempt can be taken over after
    created_at = UnicodeAttribute()

    @staticmethod
    def key(operation: str, caller: str, key: str) -> tuple[str, str]:
        caller_digest = hashlib.sha256(caller.encode()).hexdigest()[:32]
        return f"IDEMPOTENCY#{operation}#{caller_digest}#{key}", "REQUEST"
