"""Claims API: a tourist scans a code (POST /v1/claims); wallet and ledger (GET /v1/me/...)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from tanhui import api
from tanhui.claims import service
from tanhui.claims.schemas import ClaimIn, ClaimOut, LedgerPage, WalletOut
from tanhui.wallet import service as wallet

app = APIGatewayHttpResolver(enable_validation=True)
api.install(app, allow=("tourist",))


def _tourist() -> str:
    return api.require_role(api.principal(app), "tourist").user_id


@app.post("/v1/claims", tags=["claims"])
def claim(body: Annotated[ClaimIn, Body()]) -> Response[ClaimOut]:
    result = service.claim(_tourist(), body)
    return Response(201 if result.created else 200, api.JSON, result.body)


@app.get("/v1/me/wallet", tags=["claims"])
def my_wallet() -> WalletOut:
    return wallet.balance(_tourist())


@app.get("/v1/me/ledger", tags=["claims"])
def my_ledger(
    limit: api.PageLimit = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> LedgerPage:
    return wallet.ledger(_tourist(), limit, cursor)


lambda_handler = api.lambda_handler(app)
