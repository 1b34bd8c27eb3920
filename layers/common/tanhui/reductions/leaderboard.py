"""The leaderboard: the top N by gCO2e this week or month, and the caller's own rank.

The aggregator keeps each user's entry on the boards of their latest week and month (`boards`):
on their stats item for the all-users boards, on a partner-board item per partner, with the
period's gCO2e as the sort key of `gsi2` (weeks) or `gsi4` (months). The all-users board of a
period is spread over `RANK_SHARDS` index partitions (by user), so no index partition takes every
credit of the country; a partner's board is one partition. The top N is the top N of each
partition, merged. The caller's rank is 1 + how many entries score higher: a key-only COUNT query
per partition that reads the entries above the caller (cheap near the top; a user far down a
national board reads more); none when the caller's latest period is not this one, or for no caller
(the operator's view: `user_id` None). Ties share a rank. Nothing here scans the table.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from tanhui import errors
from tanhui.models.base import M
from tanhui.models.identity import UserProfile, user_pk
from tanhui.models.reductions import PartnerBoard, UserStats, board_pks
from tanhui.partners import registry as partners
from tanhui.reductions.boards import BOARDS, periods
from tanhui.reductions.deltas import LOCAL
from tanhui.reductions.schemas import LeaderboardEntry, LeaderboardOut, MyRank

Period = Literal["week", "month"]
Scope = Literal["all", "partner"]


class PartnerRequired(errors.BadRequest):
    code = "partner_id_required"
    message = "scope=partner needs partner_id (and scope=all takes none)."


def leaderboard(
    user_id: str | None, period: Period, scope: Scope, partner_id: str | None, limit: int,
    *, at: datetime | None = None,
) -> LeaderboardOut:
    if (scope == "partner") != (partner_id is not None):
        raise PartnerRequired()
    if partner_id is not None:
        partners.cached_partner(partner_id)  # 404 partner_not_found
    today = (at or datetime.now(UTC)).astimezone(LOCAL).date().isoformat()
    named = next(p for p in periods(today) if p.startswith(f"{period}#"))
    key = named.partition("#")[2]
    index_name, score_name = _BOARDS[(period, scope)]
    model: type[UserStats] | type[PartnerBoard] = UserStats if scope == "all" else PartnerBoard
    index, score = getattr(model, index_name), getattr(model, score_name)
    partitions = board_pks(named, partner_id)
    entries: list[UserStats | PartnerBoard] = []
    for partition in partitions:  # keys only: the user is the table key, the score the sort key
        entries += index.query(partition, score > 0, scan_index_forward=False, limit=limit, page_size=limit)
    scored = sorted(((int(getattr(e, score_name)), e.pk.removeprefix(user_pk(""))) for e in entries),
                    key=lambda e: (-e[0], e[1]))
    top = scored[:limit]
    profiles = UserProfile.batch_get([UserProfile.key(u) for _, u in top])
    names = {p.user_id: p.display_name for p in profiles}
    scores = [s for s, _ in top]
    out = [
        LeaderboardEntry(rank=1 + sum(x > s for x in scores), display_name=names.get(u, ""), gco2e=s,
                         you=u == user_id)
        for s, u in top
    ]
    mine = 0 if user_id is None else _mine(user_id, partner_id, BOARDS[period][0], score_name, key)
    me = None
    if mine > 0:
        above = sum(index.count(p, score > mine) for p in partitions)
        me = MyRank(rank=above + 1, gco2e=mine)
    return LeaderboardOut(period=period, key=key, scope=scope, partner_id=partner_id, entries=out, me=me)


# (period, scope) → the index of its boards and the score it sorts by (`boards`)
_BOARDS = {("week", "all"): ("week_board", "gsi2sk"), ("month", "all"): ("month_board", "gsi4sk"),
           ("week", "partner"): ("partner_week_board", "gsi5sk"),
           ("month", "partner"): ("partner_month_board", "gsi6sk")}


def _mine(user_id: str, partner_id: str | None, period_name: str, score_name: str, key: str) -> int:
    """The caller's score on the board: on their stats item (all users', their home partner's) or
    their board with the partner; 0 when their latest period there is not this one."""
    stats = _get(UserStats, UserStats.key(user_id))
    item: UserStats | PartnerBoard | None = stats
    if partner_id is not None and (stats is None or stats.home != partner_id):
        item = _get(PartnerBoard, PartnerBoard.key(user_id, partner_id))
    if item is None or getattr(item, period_name) != key:
        return 0
    return int(getattr(item, score_name) or 0)


def _get(model: type[M], key: tuple[str, str]) -> M | None:
    try:
        return model.get(*key)
    except model.DoesNotExist:
        return None
