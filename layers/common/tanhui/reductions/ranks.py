"""Users' period items for the leaderboards (week and month, all users and per partner).

pk=USER#<user>, sk=RANK#week#2026-W49 (scope all, gsi2pk=RANK#week#2026-W49#ALL#<shard>, shard =
stable hash of the user id mod RANK_SHARDS) and sk=RANK#week#2026-W49#P#<partner> (scope
partner, gsi2pk=RANK#week#2026-W49#P#<partner>); month#2026-12 likewise. gsi2sk is the period's
gCO2e (ADDed with it), so a leaderboard is a Query of gsi2 newest-highest first: RANK_SHARDS
Queries merged for scope all, one for a partner. Periods are those of the local date (Asia/Shanghai)
of occurred_at; a week is the ISO week, named by its ISO year (2027-01-01 is in 2026-W53).
"""

from __future__ import annotations

from datetime import date

from tanhui.models.identity import user_pk
from tanhui.models.reductions import rank_gsi2pk, rank_sk
from tanhui.reductions.adds import Add
from tanhui.reductions.deltas import Delta


def periods(day: str) -> list[str]:
    """week#<ISO year>-W<ISO week> and month#<YYYY-MM> of a local date YYYY-MM-DD."""
    year, week, _ = date.fromisoformat(day).isocalendar()
    return [f"week#{year}-W{week:02d}", f"month#{day[:7]}"]


def contribute(delta: Delta) -> list[Add]:
    if delta.user_id is None:
        return []
    user = delta.user_id
    numbers = {"gco2e": delta.gco2e, "coins": delta.coins, "count": delta.count, "gsi2sk": delta.gco2e}
    adds = []
    for period in periods(delta.day):
        scopes: list[str | None] = [None] if delta.partner_id is None else [None, delta.partner_id]
        for partner in scopes:
            # the period and partner are the sort key's: the item keeps only what gsi2 lists by
            keep: dict[str, str | int] = {"user_id": user, "gsi2pk": rank_gsi2pk(period, user, partner)}
            adds.append(Add(user_pk(user), rank_sk(period, partner), dict(numbers), keep=keep))
    return adds
