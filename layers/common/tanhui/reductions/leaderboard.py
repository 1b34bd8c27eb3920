"""The leaderboard: the top N by gCO2e this week or month, and the caller's own rank.

The aggregator keeps one rank entry per user and period (and per partner the user earned with),
with the gCO2e as the sort key of `gsi2`. The all-users board of a period is spread over
`RANK_SHARDS` index partitions (by user), so no index partition takes every credit of the country;
a partner's board is one partition. The top N is the top N of each partition, merged. The caller's
rank is 1 + how many entries score higher: a key-only COUNT query per partition that reads the
entries above the caller (cheap near the top; a user far down a national board reads more).
Ties share a rank. Nothing here scans the table.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from tanhui import errors
from tanhui.models.identity import UserProfile, user_pk
from tanhui.models.reductions import UserRank, rank_gsi2pks, rank_sk
from tanhui.partners import registry as partners
from tanhui.reductions.deltas import LOCAL
from tanhui.reductions.ranks import periods
from tanhui.reductions.schemas import LeaderboardEntry, LeaderboardOut, MyRank

Period = Literal["week", "month"]
Scope = Literal["all", "partner"]


class PartnerRequired(errors.BadRequest):
    code = "partner_id_required"
    message = "scope=partner needs partner_id (and scope=all takes none)."


def leaderboard(
    user_id: str, period: Period, scope: Scope, partner_id: str | None, limit: int,
    *, at: datetime | None = None,
) -> LeaderboardOut:
    if (scope == "partner") != (partner_id is not None):
        raise PartnerRequired()
    if partner_id is not None:
        partners.cached_partner(partner_id)  # 404 partner_not_found
    today = (at or datetime.now(UTC)).astimezone(LOCAL).date().isoformat()
    named = next(p for p in periods(today) if p.startswith(f"{period}#"))
    partitions = rank_gsi2pks(named, partner_id)
    entries: list[UserRank] = []
    for partition in partitions:
        entries += UserRank.by_rank.query(
            partition, UserRank.gsi2sk > 0, scan_index_forward=False, limit=limit, page_size=limit
        )
    entries.sort(key=lambda e: (-int(e.gsi2sk), e.user_id))
    top = entries[:limit]
    profiles = UserProfile.batch_get([UserProfile.key(e.user_id) for e in top])
    names = {p.user_id: p.display_name for p in profiles}
    scores = [int(e.gsi2sk) for e in top]
    out = [
        LeaderboardEntry(
            rank=1 + sum(s > int(e.gsi2sk) for s in scores),
            display_name=names.get(e.user_id, ""),
            gco2e=int(e.gsi2sk),
            you=e.user_id == user_id,
        )
        for e in top
    ]
    return LeaderboardOut(period=period, key=named.partition("#")[2], scope=scope, partner_id=partner_id,
                          entries=out, me=_my_rank(user_id, named, partner_id, partitions))


def _my_rank(user_id: str, named: str, partner_id: str | None, partitions: list[str]) -> MyRank | None:
    try:
        mine = UserRank.get(user_pk(user_id), rank_sk(named, partner_id))
    except UserRank.DoesNotExist:
        return None
    score = int(mine.gsi2sk or 0)
    if score <= 0:
        return None
    above = sum(UserRank.by_rank.count(p, UserRank.gsi2sk > score) for p in partitions)
    return MyRank(rank=above + 1, gco2e=score)
