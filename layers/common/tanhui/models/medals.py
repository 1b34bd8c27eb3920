"""Medals a user holds: pk=USER#<user>, sk=MEDAL#<name>, put once (attribute_not_exists)."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute

from tanhui.models.base import TanhuiModel
from tanhui.models.identity import user_pk

MEDAL_PREFIX = "MEDAL#"


class Medal(TanhuiModel):
    user_id = UnicodeAttribute()
    name = UnicodeAttribute()
    awarded_at = UnicodeAttribute()

    @staticmethod
    def key(user_id: str, name: str) -> tuple[str, str]:
        return user_pk(user_id), f"{MEDAL_PREFIX}{name}"
