"""Response bodies of the totals, leaderboard and medals routes."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from tanhui.response_models import ResponseModel


class Sums(ResponseModel):
    gco2e: int = 0
    coins: int = 0
    count: int = 0


class Group(Sums):
    key: str  # the behaviour, partner id, asset id or day (YYYY-MM-DD)


class TotalsOut(ResponseModel):
    from_day: str  # YYYY-MM-DD, Asia/Shanghai, inclusive
    to_day: str
    group_by: str
    partner_id: str | None = None  # a partner's own totals
    groups: list[Group]
    totals: Sums


# the query strings: plain text here, checked by `totals.query` (400 invalid_date / invalid_range /
# range_too_long / invalid_group_by, not the 422 of a model)
FromDay = Annotated[str | None, Query(alias="from", max_length=64)]
ToDay = Annotated[str | None, Query(max_length=64)]
GroupBy = Annotated[str | None, Query(max_length=64)]


class LeaderboardEntry(ResponseModel):
    rank: int
    display_name: str
    gco2e: int
    you: bool


class MyRank(ResponseModel):
    rank: int
    gco2e: int


class LeaderboardOut(ResponseModel):
    period: str
    key: str  # 2026-W49 | 2026-12 (local, Asia/Shanghai)
    scope: str
    partner_id: str | None
    entries: list[LeaderboardEntry]
    me: MyRank | None  # null: nothing credited to the caller in the period (yet)


class MedalOut(ResponseModel):
    name: str
    title: str
    description: str
    awarded_at: str


class MedalList(ResponseModel):
    items: list[MedalOut]
