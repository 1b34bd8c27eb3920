"""The wallet: one item per user holding balances. Entries behind it live with the behaviour."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from tanhui.models.base import TanhuiModel
from tanhui.models.identity import user_pk


class Wallet(TanhuiModel):
    """pk=USER#<sub>, sk=WALLET. Integer balances, never negative (debits are conditional)."""

    user_id = UnicodeAttribute()
    coins = NumberAttribute(default=0)
    gco2e = NumberAttribute(default=0)
    lifetime_coins = NumberAttribute(default=0)
    lifetime_gco2e = NumberAttribute(default=0)
    spent_coins = NumberAttribute(default=0)
    # the consent in force (用户授权): credits are conditional on it, inside their own write
    consent_version = UnicodeAttribute(null=True)
    consent_at = UnicodeAttribute(null=True)
    # the last withdrawal: with no consent, a credit is refused as `consent_withdrawn`
    consent_withdrawn_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()

    @staticmethod
    def key(user_id: str) -> tuple[str, str]:
        return user_pk(user_id), "WALLET"
