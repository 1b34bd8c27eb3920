"""Claims API: a tourist scans a code (POST /v1/claims); wallet and ledger (GET /v1/me/...)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from tanhui import api, errors
from tanhui.claims import scan
from tanhui.claims.factors import AssetIncomplete, FactorMissing
from tanhui.claims.schemas import ClaimIn, ClaimOut
from tanhui.claims.transaction import WalletMissing
from tanhui.openapi import responses
from tanhui.wallet import account as wallet
from tanhui.wallet.schemas import LedgerPage, WalletOut

app = APIGatewayHttpResolver(enable_validation=True, serializer=api.to_json)
api.install(app, allow=("tourist",))


def _tourist() -> str:
    return api.require_role(api.principal(app), "tourist").user_id


CLAIM_ERRORS = (
    errors.InvalidCode, scan.LocationRequired, errors.OutOfArea, errors.CodeExpired,
    errors.CodeRevoked, errors.AlreadyClaimed, (errors.Conflict, "busy"), FactorMissing,
    AssetIncomplete, WalletMissing, errors.DailyCapReached, errors.ConsentNotGiven,
)


@app.post(
    "/v1/claims",
    tags=["claims"],
    summary="Claim the coins of a scanned code",
    description="Credits the tourist's wallet for the low-carbon behaviour a code stands for "
    "(ticket, hotel stay, shuttle ride, product). Send `lat`/`lng` (the phone's location) for "
    "codes whose asset is geofenced. Scanning a code you already claimed answers 200 with the "
    "first claim and `already_credited: true`.",
    responses=responses(201, "Credited: the claim and the new balance.",
                        replay="Already credited: the first claim of this code by you.",
                        raises=CLAIM_ERRORS),
)
def claim(body: Annotated[ClaimIn, Body()]) -> Response[ClaimOut]:
    result = scan.claim(_tourist(), body)
    return Response(201 if result.created else 200, api.JSON, result.body)


@app.get(
    "/v1/me/wallet",
    tags=["claims"],
    summary="My coin balance",
    description="The signed-in tourist's coins and grams of CO2e saved so far.",
    responses=responses(raises=[wallet.WalletNotFound]),
)
def my_wallet() -> WalletOut:
    return wallet.balance(_tourist())


@app.get(
    "/v1/me/ledger",
    tags=["claims"],
    summary="My coin history",
    description="The tourist's earn/spend entries, newest first, a page at a time: pass the "
    "`cursor` of a page to get the next one.",
    responses=responses(raises=[(errors.BadRequest, "invalid_cursor")]),
)
def my_ledger(
    limit: api.PageLimit = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> LedgerPage:
    return wallet.ledger(_tourist(), limit, cursor)


lambda_handler = api.lambda_handler(app)
