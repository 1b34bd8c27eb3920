"""What the aggregator (AggregatorFunction, `tanhui.reductions`) keeps from the table's stream.

- Totals       pk=TOTALS#<group>#<YYYY-MM>#<shard>, sk=<YYYY-MM-DD>#<value>: gco2e, coins,
               count (ADD). Groups: behaviour (value = the behaviour), partner (value =
               <partner>#<behaviour>) and asset (value = the asset). shard = the writing
               transaction's, one of TOTALS_SHARDS: a batch adds one value's credits to one item,
               concurrent batches of other stream shards mostly to other keys. A partner's own view
               is gsi1 of the partner and asset items: gsi1pk=PARTNER#<id>#TOTALS#<behaviour |
               asset>#<YYYY-MM>, gsi1sk=<YYYY-MM-DD>#<behaviour | asset> (one entry per shard).
- UserStats    pk=USER#<user>, sk=REDUCTION#stats: one item per user, read, changed and put back
               (on its version) by the batch that credits the user:
               - lifetime gco2e, coins, count and the sets of scenes (behaviours), channels and
                 local days (YYYY-MM-DD) seen;
               - the board entries of the user's latest week and month: week / month (2026-W49 /
                 2026-12), gsi2 (RANK#week#<week>#ALL#<shard>, gsi2sk = the week's gCO2e) and gsi4
                 (RANK#month#<month>#ALL#<shard>, gsi4sk = the month's gCO2e), and for their home
                 partner (`home`: that of their first credit with a partner) gsi5
                 (RANK#week#<week>#P#<partner>) and gsi6 (RANK#month#<month>#P#<partner>);
               - the medals held (name → awarded at);
               - `applied`: the stream records applied to it in the last MARK_DAYS
                 ("<epoch seconds>:<eventID>"), so a redelivered record is known and skipped.
- PartnerBoard pk=USER#<user>, sk=REDUCTION#P#<partner>: the user's latest week and month with
               a partner other than their home partner, on gsi5 / gsi6.
- StreamMark   pk=STREAM#<eventID>, sk=APPLIED: the marker of a record that credits no user, put
               with attribute_not_exists in the transaction that applies it.
"""

from __future__ import annotations

import hashlib

from pynamodb.attributes import (
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    VersionAttribute,
)

from tanhui.models.base import Gsi1, Gsi2, Gsi4, Gsi5, Gsi6, TanhuiModel
from tanhui.models.identity import user_pk

MARK_SK = "APPLIED"
MARK_DAYS = 3  # > the stream's 24 h retention: a redelivery always finds its record applied
TOTALS_SHARDS = 8
RANK_SHARDS = 8
STATS_SK = "REDUCTION#stats"
PARTNER_BOARD_PREFIX = "REDUCTION#P#"


def stable_shard(value: str, shards: int) -> int:
    """The same shard for the same value in every process (Python's hash() is salted)."""
    return int.from_bytes(hashlib.blake2b(value.encode(), digest_size=4).digest(), "big") % shards


def mark_pk(event_id: str) -> str:
    return f"STREAM#{event_id}"


def totals_pk(group: str, month: str, shard: int) -> str:
    return f"TOTALS#{group}#{month}#{shard}"


def totals_pks(group: str, month: str) -> list[str]:
    """Every partition of one group's totals in one month."""
    return [totals_pk(group, month, shard) for shard in range(TOTALS_SHARDS)]


def partner_totals_gsi1pk(partner_id: str, group: str, month: str) -> str:
    """A partner's own totals of one month by behaviour or asset (an index partition of gsi1)."""
    return f"PARTNER#{partner_id}#TOTALS#{group}#{month}"


def totals_sk(day: str, value: str) -> str:
    return f"{day}#{value}"


def totals_sk_range(first_day: str, last_day: str) -> tuple[str, str]:
    """BETWEEN bounds of the sort keys of days first..last ("$" sorts right after "#")."""
    return f"{first_day}#", f"{last_day}$"


def day_and_value(sk: str) -> tuple[str, str]:
    """(day, value) of a totals sort key; a partner item's value is its partner (not #behaviour)."""
    day, _, value = sk.partition("#")
    return day, value.partition("#")[0]


def board_pk(period: str, user_id: str, partner_id: str | None = None) -> str:
    """The index partition of a user's entry on a board: period week#2026-W49 | month#2026-12."""
    if partner_id is None:
        return f"RANK#{period}#ALL#{stable_shard(user_id, RANK_SHARDS)}"
    return f"RANK#{period}#P#{partner_id}"


def board_pks(period: str, partner_id: str | None = None) -> list[str]:
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
    gsi1pk = UnicodeAttribute(null=True)  # partner and asset items: the partner's own view
    gsi1sk = UnicodeAttribute(null=True)

    by_partner = Gsi1()


class UserStats(TanhuiModel):
    """A user's lifetime reductions, latest week's and month's board entries, medals, and the
    stream records applied lately."""

    user_id = UnicodeAttribute()
    gco2e = NumberAttribute(default=0)
    coins = NumberAttribute(default=0)
    credits = NumberAttribute(default=0, attr_name="count")  # stored as `count`
    scenes = UnicodeSetAttribute(null=True)
    channels = UnicodeSetAttribute(null=True)
    days = UnicodeSetAttribute(null=True)
    medals: MapAttribute = MapAttribute(null=True)  # name → awarded at (ISO 8601, UTC)
    applied = UnicodeSetAttribute(null=True)  # "<epoch seconds>:<eventID>"
    week = UnicodeAttribute(null=True)
    month = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = NumberAttribute(null=True)  # the week's gCO2e
    gsi4pk = UnicodeAttribute(null=True)
    gsi4sk = NumberAttribute(null=True)  # the month's gCO2e
    home = UnicodeAttribute(null=True)  # the partner of the first credit with one
    gsi5pk = UnicodeAttribute(null=True)
    gsi5sk = NumberAttribute(null=True)  # the week's gCO2e with the home partner
    gsi6pk = UnicodeAttribute(null=True)
    gsi6sk = NumberAttribute(null=True)  # the month's gCO2e with the home partner
    version = VersionAttribute()

    week_board = Gsi2()
    month_board = Gsi4()
    partner_week_board = Gsi5()
    partner_month_board = Gsi6()

    @staticmethod
    def key(user_id: str) -> tuple[str, str]:
        return user_pk(user_id), STATS_SK


class PartnerBoard(TanhuiModel):
    """A user's latest week's and month's gCO2e with one partner (the sort key's), not their home
    partner (whose entries are on their stats item)."""

    user_id = UnicodeAttribute()
    partner_id = UnicodeAttribute()
    week = UnicodeAttribute(null=True)
    month = UnicodeAttribute(null=True)
    gsi5pk = UnicodeAttribute(null=True)
    gsi5sk = NumberAttribute(null=True)
    gsi6pk = UnicodeAttribute(null=True)
    gsi6sk = NumberAttribute(null=True)
    version = VersionAttribute()

    partner_week_board = Gsi5()
    partner_month_board = Gsi6()

    @staticmethod
    def key(user_id: str, partner_id: str) -> tuple[str, str]:
        return user_pk(user_id), f"{PARTNER_BOARD_PREFIX}{partner_id}"
