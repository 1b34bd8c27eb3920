"""The wallet: one item per user holding balances. Entries behind it live with the behaviour.

Lots (积分有效期): the coins credited in a local (Asia/Shanghai) year are that year's lot, counted
on the wallet as `lot_<YYYY>` by the credit's own update (`claims.transaction.wallet_credit`); the
coins expired of a lot are `expired_<YYYY>` (`wallet.expiry`). Coins are spent oldest first, so
what remains of each lot follows from the lots and the balance alone (`wallet.lots`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.expressions.operand import Path

from tanhui.models.base import TanhuiModel
from tanhui.models.identity import user_pk

LOT_PREFIX, EXPIRED_PREFIX = "lot_", "expired_"


def lot_attribute(year: int) -> str:
    return f"{LOT_PREFIX}{year:04d}"


def expired_attribute(year: int) -> str:
    return f"{EXPIRED_PREFIX}{year:04d}"


def counter(name: str) -> Path:
    """A top-level number attribute no model declares one by one (a lot's counter), for
    PynamoDB's update actions and conditions."""
    return Path(NumberAttribute(attr_name=name))


def year_counters(item: Mapping[str, Any], prefix: str) -> dict[int, int]:
    """{year: n} of a raw wallet item's `<prefix><YYYY>` counters (as GetItem or Scan return it)."""
    found = {}
    for name, value in item.items():
        if name.startswith(prefix) and name[len(prefix):].isdigit():
            found[int(name[len(prefix):])] = int(value["N"])
    return found


class Wallet(TanhuiModel):
    """pk=USER#<sub>, sk=WALLET. Integer balances, never negative (debits are conditional)."""

    user_id = UnicodeAttribute()
    coins = NumberAttribute(default=0)
    gco2e = NumberAttribute(default=0)
    lifetime_coins = NumberAttribute(default=0)
    lifetime_gco2e = NumberAttribute(default=0)
    spent_coins = NumberAttribute(default=0)
    expired_coins = NumberAttribute(default=0)  # Σ expired_<YYYY>: coins lapsed by the policy
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


POLICY_PK = "COINPOLICY"


class CoinPolicyVersion(TanhuiModel):
    """The operator's coin expiry policy (积分有效期), one immutable version per change:
    pk=COINPOLICY, sk=VERSION#<10-digit version>; the newest is in force. No version: no expiry."""

    version = NumberAttribute()
    expiry = UnicodeAttribute()  # none | end_of_next_year | years_after
    years = NumberAttribute(null=True)  # years_after: a lot expires at the end of its year + years
    created_at = UnicodeAttribute()
    created_by = UnicodeAttribute(null=True)

    @staticmethod
    def key(version: int) -> tuple[str, str]:
        return POLICY_PK, f"VERSION#{version:010d}"
