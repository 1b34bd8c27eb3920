"""Donations API: tourists list open projects, give coins to one, and list their donations."""

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from tanhui import api, errors, idempotency
from tanhui.donations import giving, projects
from tanhui.donations.schemas import DonationIn, DonationList, DonationOut, ProjectList
from tanhui.openapi import responses

IDEMPOTENCY_KEY = idempotency.ERRORS

app = APIGatewayHttpResolver(enable_validation=True, serializer=api.to_json)
api.install(app, allow=("tourist",))


def _tourist() -> str:
    return api.require_role(api.principal(app), "tourist").user_id


@app.get(
    "/v1/projects",
    tags=["donations"],
    summary="Open public-good projects",
    description="Projects that take donations, newest first, each with the coins raised, the "
    "number of donations and of distinct donors so far.",
    responses=responses(raises=[(errors.BadRequest, "invalid_cursor")]),
)
@api.allow(*api.ROLES)
def list_projects(
    limit: api.PageLimit = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> ProjectList:
    return projects.list_open(limit, cursor)


@app.post(
    "/v1/donations",
    tags=["donations"],
    summary="Donate coins to a project",
    description="Takes the coins from the tourist's wallet and adds them to the project in one "
    "transaction (a `spend` ledger entry with the project in its evidence). The "
    "`Idempotency-Key` header is required (one per intent: a double tap or a retry with the same "
    "key and body answers 200 with the first donation; without one 400 `invalid_idempotency_key`).",
    responses=responses(201, "Donated.", replay="The same Idempotency-Key again: the donation it made.",
                        raises=[*IDEMPOTENCY_KEY, projects.ProjectNotFound, projects.ProjectClosed,
                                giving.InsufficientCoins, (errors.Conflict, "busy")]),
)
def donate(body: Annotated[DonationIn, Body()], idempotency_key: api.IdempotencyKey) -> Response[DonationOut]:
    outcome = giving.donate_once(_tourist(), body, idempotency_key)
    return Response(201 if outcome.created else 200, api.JSON, outcome.value)


@app.get(
    "/v1/me/donations",
    tags=["donations"],
    summary="My donations",
    description="The tourist's donations, newest first, a page at a time: pass the `cursor` of a "
    "page to get the next one.",
    responses=responses(raises=[(errors.BadRequest, "invalid_cursor")]),
)
def my_donations(
    limit: api.PageLimit = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> DonationList:
    return giving.my_donations(_tourist(), limit, cursor)


lambda_handler = api.lambda_handler(app)
