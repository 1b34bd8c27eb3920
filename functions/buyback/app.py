"""Buyback API (政府回购): the operator opens, lists and closes rounds and pays them out; tourists
see the open rounds and offer coins into one."""

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from tanhui import api, errors, idempotency
from tanhui.buyback import offers, payouts, rounds
from tanhui.buyback.schemas import (
    BuybackOfferIn,
    BuybackOfferList,
    BuybackOfferOut,
    BuybackPayoutOut,
    BuybackRoundIn,
    BuybackRoundList,
    BuybackRoundOut,
    OpenBuybackRounds,
)
from tanhui.openapi import responses
from tanhui.supervision import actions

IDEMPOTENCY_KEY = idempotency.ERRORS
INVALID_CURSOR = (errors.BadRequest, "invalid_cursor")
Cursor = Annotated[str | None, Query(max_length=2048)]

app = APIGatewayHttpResolver(enable_validation=True, serializer=api.to_json)
api.install(app, allow=("tourist",))
app.use(middlewares=[actions.record_operator_writes])  # the operator's writes, in the operators' log


def _caller(role: str) -> str:
    return api.require_role(api.principal(app), role).user_id


# ------------------------------------------------------------------------------ the operator
@app.post(
    "/v1/admin/buyback-rounds",
    tags=["buyback"],
    summary="Open a buyback round",
    description="A round of the government buyback (政府回购): the price per coin and the budget in "
    "fen, the window [opens_at, closes_at) and the behaviours whose coins it buys. None of these "
    "change later. With an `Idempotency-Key` header a retry answers 200 with the round first opened.",
    responses=responses(201, "Opened.", replay="The same Idempotency-Key again: the round it opened.",
                        raises=[*IDEMPOTENCY_KEY]),
)
@api.allow("admin")
def create_round(
    body: Annotated[BuybackRoundIn, Body()], idempotency_key: api.OptionalIdempotencyKey = None
) -> Response[BuybackRoundOut]:
    outcome = rounds.create_round_once(body, _caller("admin"), idempotency_key)
    return Response(201 if outcome.created else 200, api.JSON, outcome.value)


@app.get(
    "/v1/admin/buyback-rounds",
    tags=["buyback"],
    summary="Every buyback round",
    description="Open and closed rounds, newest first, with what each has bought (sold_fen, "
    "sold_coins, offers) and its remaining budget, a page at a time (`cursor` of the previous page).",
    responses=responses(raises=[INVALID_CURSOR]),
)
@api.allow("admin")
def list_rounds(limit: api.PageLimit = 20, cursor: Cursor = None) -> BuybackRoundList:
    _caller("admin")
    return rounds.list_rounds(limit, cursor)


@app.get(
    "/v1/admin/buyback-rounds/<round_id>",
    tags=["buyback"],
    summary="A buyback round",
    description="One round with its counters and remaining budget.",
    responses=responses(raises=[rounds.RoundNotFound]),
)
@api.allow("admin")
def get_round(round_id: api.PathId) -> BuybackRoundOut:
    _caller("admin")
    return rounds.round_out(rounds.get_round(round_id))


@app.post(
    "/v1/admin/buyback-rounds/<round_id>/close",
    tags=["buyback"],
    summary="Close a buyback round early",
    description="The round takes no more offers (409 `buyback_round_closed`); what it bought stays "
    "bought and can be paid out. Closing a closed round answers it as it is.",
    responses=responses(raises=[rounds.RoundNotFound]),
)
@api.allow("admin")
def close_round(round_id: api.PathId) -> BuybackRoundOut:
    _caller("admin")
    return rounds.close_round(round_id)


@app.post(
    "/v1/admin/buyback-rounds/<round_id>/payouts",
    tags=["buyback"],
    summary="Write a round's payouts file",
    description="For the paying agency: payouts.csv (one row per person: person reference, coins, "
    "amount in fen, offers; UTF-8 with BOM, headers in Chinese and English) and manifest.json "
    "(the file's SHA-256, rows, totals, the round) in the export bucket, with 15-minute links. "
    "Only a round that takes no more offers (closed, or past its window) is paid out.",
    responses=responses(201, "Written.", raises=[rounds.RoundNotFound, payouts.RoundStillOpen]),
)
@api.allow("admin")
def write_payouts(round_id: api.PathId) -> Response[BuybackPayoutOut]:
    out = payouts.write_payouts(round_id, _caller("admin"))
    return Response(201, api.JSON, out)


@app.get(
    "/v1/admin/buyback-rounds/<round_id>/payouts/<payout_id>",
    tags=["buyback"],
    summary="A payouts file",
    description="The payouts file's facts and fresh 15-minute links to payouts.csv and manifest.json.",
    responses=responses(raises=[rounds.RoundNotFound, payouts.PayoutNotFound]),
)
@api.allow("admin")
def get_payouts(round_id: api.PathId, payout_id: api.PathId) -> BuybackPayoutOut:
    _caller("admin")
    return payouts.payout_status(round_id, payout_id)


# ------------------------------------------------------------------------------ tourists
@app.get(
    "/v1/buyback-rounds",
    tags=["buyback"],
    summary="Buyback rounds open now",
    description="The rounds open now (at most 20, newest first), each with what the caller may offer "
    "into it: coins earned from its behaviours, coins already sold into it, the balance, and "
    "`max_offer_coins`.",
)
def open_rounds() -> OpenBuybackRounds:
    return offers.open_rounds(_caller("tourist"))


@app.post(
    "/v1/buyback-rounds/<round_id>/offers",
    tags=["buyback"],
    summary="Sell coins into a buyback round",
    description="Retires the coins (a `buyback` ledger entry) and adds coins × price to the round in "
    "one transaction. An offer the remaining budget cannot take whole is refused (409 "
    "`buyback_budget_exhausted`, the remaining budget in `details`). The `Idempotency-Key` header "
    "is required (a retry with the same key and body answers 200 with the first offer).",
    responses=responses(201, "Sold.", replay="The same Idempotency-Key again: the offer it made.",
                        raises=[*IDEMPOTENCY_KEY, rounds.RoundNotFound, rounds.RoundClosed,
                                offers.BudgetExhausted, offers.NotEligible, offers.InsufficientCoins,
                                (errors.Conflict, "busy")]),
)
def make_offer(
    round_id: api.PathId, body: Annotated[BuybackOfferIn, Body()], idempotency_key: api.IdempotencyKey
) -> Response[BuybackOfferOut]:
    outcome = offers.offer_once(_caller("tourist"), round_id, body, idempotency_key)
    return Response(201 if outcome.created else 200, api.JSON, outcome.value)


@app.get(
    "/v1/me/buyback-offers",
    tags=["buyback"],
    summary="My buyback offers",
    description="The tourist's offers, newest first, each with its payout reference, a page at a time.",
    responses=responses(raises=[INVALID_CURSOR]),
)
def my_offers(limit: api.PageLimit = 20, cursor: Cursor = None) -> BuybackOfferList:
    return offers.my_offers(_caller("tourist"), limit, cursor)


lambda_handler = api.lambda_handler(app)
