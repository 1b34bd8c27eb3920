"""Response bodies of the totals, leaderboard and medals routes."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import Field

from tanhui.response_models import ResponseModel


class Sums(ResponseModel):
    gco2e: int = 0
    coins: int = 0
    count: int = 0


class Group(Sums):
    key: str  # the behaviour, partner id, asset id or day (YYYY-MM-DD)
    name: str | None = Field(
        default=None,
        description="The partner's name (group_by=partner) or the asset's (group_by=asset of a partner's "
        "own totals), as they are now; null for other groupings, for the platform's totals by asset "
        "(an asset id is its partner's own) and for a partner or asset that is gone",
    )


class TotalsOut(ResponseModel):
    from_day: str  # YYYY-MM-DD, Asia/Shanghai, inclusive
    to_day: str
    group_by: str
    partner_id: str | None = None  # a partner's own totals
    groups: list[Group]
    totals: Sums


# the query strings: required (a missing one is the 422 validation_error of any missing parameter);
# their text is checked by `totals.query` (400 invalid_date / invalid_range / range_too_long /
# invalid_group_by, not the 422 of a model)
FromDay = Annotated[str, Query(alias="from", max_length=64, description="first local day, YYYY-MM-DD")]
ToDay = Annotated[str, Query(max_length=64, description="last local day, YYYY-MM-DD (inclusive)")]
GroupBy = Annotated[str, Query(max_length=64, description="day, behaviour, asset (the platform: or partner)")]


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


class Words(ResponseModel):
    zh: str = Field(description="In Chinese (shown first).")
    en: str = Field(description="In English.")


class MedalOut(ResponseModel):
    """A medal the user holds (the list older clients read; `catalogue` says more)."""

    name: str = Field(description="The medal's id, e.g. `first_scan`, `kg_10`.")
    title: str = Field(description="Its name in Chinese.")
    description: str = Field(description="How it is earned, in English.")
    awarded_at: str


class CatalogueMedal(ResponseModel):
    """One medal of the catalogue, earned by this user or not."""

    id: str = Field(description="e.g. `first_scan`, `scene_hotel_low_carbon_night`, `kg_10`, `streak_7`.")
    name: Words
    earned_by: Words = Field(description="How it is earned.")
    awarded_at: str | None = Field(description="When this user earned it; null: not yet.")


class MedalList(ResponseModel):
    items: list[MedalOut] = Field(description="The medals the user holds, oldest first.")
    catalogue: list[CatalogueMedal] = Field(
        description="Every medal: the ones the user holds first (oldest first), then the others."
    )
