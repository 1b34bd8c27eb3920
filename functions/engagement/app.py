"""Engagement API: the leaderboard and my medals (both kept by the stream aggregator)."""

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.params import Query
from tanhui import api, errors
from tanhui.openapi import responses
from tanhui.reductions import leaderboard as boards
from tanhui.reductions import medals
from tanhui.reductions.schemas import LeaderboardOut, MedalList

app = APIGatewayHttpResolver(enable_validation=True, serializer=api.to_json)
api.install(app, allow=("tourist",))

PartnerId = Annotated[str | None, Query(max_length=6, pattern=r"^[0-9A-F]{6}$")]


def _tourist() -> str:
    return api.require_role(api.principal(app), "tourist").user_id


@app.get(
    "/v1/leaderboard",
    tags=["engagement"],
    summary="Who saved the most CO2e",
    description="The top `limit` tourists by gCO2e this week or month (local time, Asia/Shanghai), "
    "over everyone (`scope=all`) or over one partner's scenes (`scope=partner&partner_id=...`), "
    "and the caller's own rank (`me`, null until something is credited in the period; always null "
    "for the operator, who may read every board too). Ties share a rank. Totals follow the claims "
    "within seconds (they are kept from the table's stream).",
    responses=responses(raises=[boards.PartnerRequired, (errors.NotFound, "partner_not_found")]),
)
@api.allow("tourist", "admin")
def leaderboard(
    period: Annotated[Literal["week", "month"], Query()] = "week",
    scope: Annotated[Literal["all", "partner"], Query()] = "all",
    partner_id: PartnerId = None,
    limit: api.PageLimit = 10,
) -> LeaderboardOut:
    who = api.require_role(api.principal(app), "tourist", "admin")
    me = who.user_id if who.role == "tourist" else None  # the operator has no rank of their own
    return boards.leaderboard(me, period, scope, partner_id, limit)


@app.get(
    "/v1/me/medals",
    tags=["engagement"],
    summary="My medals",
    description="Medals for the first scan, the first behaviour of each scene, 1 / 10 / 100 kg "
    "CO2e in all and a 7-day streak; each awarded once. `catalogue`: every medal with its name and "
    "how it is earned (Chinese and English) and `awarded_at` (null: not yet), the caller's first, "
    "oldest first. `items`: the caller's alone, oldest first (a Chinese title, an English "
    "description), as before.",
    responses=responses(),
)
def my_medals() -> MedalList:
    return medals.my_medals(_tourist())


lambda_handler = api.lambda_handler(app)
