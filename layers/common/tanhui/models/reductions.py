"""What the aggregator (AggregatorFunction, `tanhui.reductions`) keeps from the table's stream.

- StreamMark   pk=STREAM#<eventID>, sk=APPLIED: one per stream record applied, put with
               attribute_not_exists in the transaction that adds the record's deltas; a redelivered
               record finds it and changes nothing. Expires (TTL `expires_at`) after MARK_DAYS, well
               past the stream's 24-hour retention.
- Totals       pk=TOTALS#<group>#<YYYY-MM>#<shard>, sk=<YYYY-MM-DD>#<value>  (group behaviour |
               partner | asset; shard = stable hash of the value mod TOTALS_SHARDS) and, for a
               partner's own view, pk=PARTNER#<id>#TOTALS#<group>#<YYYY-MM>, sk=<YYYY-MM-DD>#<value>
               (group behaviour | asset): gco2e, coins, count (ADD).
- UserRank     pk=USER#<user>, sk=RANK#<period>[#P#<partner>] (period week#2026-W49 | month#2026-12):
               on gsi2 (gsi2pk=RANK#<period>#ALL#<shard> | RANK#<period>#P#<partner>, gsi2sk = gCO2e)
               for the leaderboards; gco2e, coins, count (`credits` in Python: Model.count is taken).
- UserLifetime pk=USER#<user>, sk=REDUCTION#lifetime: gco2e, coins, count, and the sets of scenes
               (behaviours), channels and local days (YYYY-MM-DD) seen.
"""

from __future__ import annotations

import hashlib

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UnicodeSetAttribute

from tanhui.models.base import Gsi2, TanhuiModel
from tanhui.models.identity import user_pk

MARK_SK = "APPLIED"
MARK_DAYS = 3  # > the stream's 24 h retention: a redelivery always finds its mark
TOTALS_SHARDS = 8
RANK_SHARDS = 8
LIFETIME_SK = "REDUCTION#lifetime"


def stable_shard(value: str, shards: int) -> int:
    """The same shard for the same value in every process (Python's hash() is salted)."""
    return int.from_bytes(hashlib.blake2b(value.encode(), digest_size=4).digest(), "big") % shards


def mark_pk(event_id: str) -> str:
    return f"STREAM#{event_id}"


def totals_pk(group: str, month: str, value: str) -> str:
    return f"TOTALS#{group}#{month}#{stable_shard(value, TOTALS_SHARDS)}"


def totals_pks(group: str, month: str) -> list[str]:
    """Every partition of one group's totals in one month."""
    return [f"TOTALS#{group}#{month}#{shard}" for shard in range(TOTALS_SHARDS)]


def partner_totals_pk(partner_id: str, group: str, month: str) -> str:
    return f"PARTNER#{partner_id}#TOTALS#{group}#{month}"


def totals_sk(day: str, value: str) -> str:
    return f"{day}#{value}"


def totals_sk_range(first_day: str, last_day: str) -> tuple[str, str]:
    """BETWEEN bounds of the sort keys of days first..last ("$" sorts right after "#")."""
    return f"{first_day}#", f"{last_day}$"


def day_and_value(sk: str) -> tuple[str, str]:
    day, _, value = sk.partition("#")
    return day, value


def rank_sk(period: str, partner_id: str | None = None) -> str:
    return f"RANK#{period}" if partner_id is None else f"RANK#{period}#P#{partner_id}"


def rank_gsi2pk(period: str, user_id: str, partner_id: str | None = None) -> str:
    if partner_id is None:
        return f"RANK#{period}#ALL#{stable_shard(user_id, RANK_SHARDS)}"
    return f"RANK#{period}#P#{partner_id}"


def rank_gsi2pks(period: str, partner_id: str | None = None) -> list[str]:
    """Every index partition of one board: the RANK_SHARDS of all users', or the partner's one."""
    if partner_id is None:
        return [f"RANK#{period}#ALL#{shard}" for shard in range(RANK_SHARDS)]
    return [f"RANK#{period}#P#{partner_id}"]


class StreamMark(TanhuiModel):
    @staticmethod
    def key(event_id: str) -> tuple[str, str]:
        return mark_pk(event_id), MARK_SK


class Totals(TanhuiModel):
    """The day (YYYY-MM-DD, Asia/Shanghai) and the value are the sort key's: `totals_sk`."""

    gco2e = NumberAttribute(default=0)
    coins = NumberAttribute(default=0)
    credits = NumberAttribute(default=0, attr_name="count")  # stored as `count`


class UserRank(TanhuiModel):
    """The period (week#2026-W49 | month#2026-12) and, for scope partner, the partner are the sort
    key's (`rank_sk`)."""

    user_id = UnicodeAttribute(null=True)
    gco2e = NumberAttribute(default=0)
    coins = NumberAttribute(default=0)
    credits = NumberAttribute(default=0, attr_name="count")  # stored as `count`
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = NumberAttribute(null=True)

    by_rank = Gsi2()


class UserLifetime(TanhuiModel):
    gco2e = NumberAttribute(default=0)
    coins = NumberAttribute(default=0)
    credits = NumberAttribute(default=0, attr_name="count")  # stored as `count`
    scenes = UnicodeSetAttribute(null=True)
    channels = UnicodeSetAttribute(null=True)
    days = UnicodeSetAttribute(null=True)

    @staticmethod
    def key(user_id: str) -> tuple[str, str]:
        return user_pk(user_id), LIFETIME_SK
