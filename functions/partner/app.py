"""Partner API: a partner's own profile, assets, codes and print batches."""

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Query
from tanhui import api
from tanhui.codes import assets, batches, service
from tanhui.codes.batches import CodeBatchIn, CodeBatchOut
from tanhui.codes.schemas import (
    AssetIn,
    AssetList,
    AssetOut,
    AssetPatch,
    CodeOut,
    CodesIn,
    CodesOut,
    RevokedOut,
    RotatingCodeOut,
)
from tanhui.partners import service as partners
from tanhui.partners.schemas import PartnerOut

app = APIGatewayHttpResolver(enable_validation=True)
api.install(app, allow=("partner",))


def _staff() -> tuple[str, api.Principal]:
    who = api.require_role(api.principal(app), "partner")
    return partners.partner_of(who.user_id), who


def _partner_id() -> str:
    return _staff()[0]


@app.get("/v1/partner/profile", tags=["partner"])
def profile() -> PartnerOut:
    return partners.partner_out(_partner_id())


# ------------------------------------------------------------------------------------ assets
@app.post("/v1/partner/assets", tags=["assets"])
def create_asset(body: Annotated[AssetIn, Body()]) -> Response[AssetOut]:
    return Response(201, api.JSON, assets.create(_partner_id(), body))


@app.get("/v1/partner/assets", tags=["assets"])
def list_assets(
    limit: api.PageLimit = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> AssetList:
    return assets.list_assets(_partner_id(), limit, cursor)


@app.get("/v1/partner/assets/<asset_id>", tags=["assets"])
def get_asset(asset_id: str) -> AssetOut:
    return assets.out(assets.get(_partner_id(), asset_id))


@app.patch("/v1/partner/assets/<asset_id>", tags=["assets"])
def update_asset(asset_id: str, body: Annotated[AssetPatch, Body()]) -> AssetOut:
    return assets.update(_partner_id(), asset_id, body)


@app.delete("/v1/partner/assets/<asset_id>", tags=["assets"])
def retire_asset(asset_id: str) -> AssetOut:
    return assets.set_status(_partner_id(), asset_id, "retired")


@app.post("/v1/partner/assets/<asset_id>/revoke", tags=["assets"])
def revoke_asset(asset_id: str) -> AssetOut:
    return assets.set_status(_partner_id(), asset_id, "revoked")


@app.get("/v1/partner/assets/<asset_id>/code", tags=["codes"])
def asset_code(asset_id: str) -> CodeOut:
    return service.asset_code(_partner_id(), asset_id)


@app.get("/v1/partner/assets/<asset_id>/rotating-code", tags=["codes"])
def rotating_code(asset_id: str) -> RotatingCodeOut:
    return service.rotating_code(_partner_id(), asset_id)


# ------------------------------------------------------------------------------------- codes
@app.post("/v1/partner/codes", tags=["codes"])
def create_codes(body: Annotated[CodesIn, Body()]) -> Response[CodesOut]:
    return Response(201, api.JSON, service.create_codes(_partner_id(), body))


@app.get(
    "/v1/partner/codes/<code_file>",
    tags=["codes"],
    responses={
        200: {
            "description": "`<code id>.png`, `.svg` or `.pdf` (a printable label)",
            "content": {"image/png": {}, "image/svg+xml": {}, "application/pdf": {}},
        }
    },
)
def code_file(code_file: str):  # binary body: no response model to validate
    content, media_type = service.code_file(_partner_id(), code_file)
    return Response(200, media_type, content, headers={"Cache-Control": "private, max-age=300"})


@app.post("/v1/partner/codes/<code_id>/revoke", tags=["codes"])
def revoke_code(code_id: str) -> RevokedOut:
    partner_id, who = _staff()
    return service.revoke_code(partner_id, code_id, who.user_id)


# ----------------------------------------------------------------------------- print batches
@app.post("/v1/partner/code-batches", tags=["codes"])
def create_code_batch(
    body: Annotated[CodeBatchIn, Body()], idempotency_key: Annotated[str | None, Header()] = None
) -> Response[CodeBatchOut]:
    partner_id, who = _staff()
    outcome = batches.create_print_batch_once(partner_id, who.user_id, body, idempotency_key)
    return Response(202 if outcome.created else 200, api.JSON, outcome.value)


@app.get("/v1/partner/code-batches/<batch_id>", tags=["codes"])
def get_code_batch(batch_id: str) -> CodeBatchOut:
    return batches.batch_status(_partner_id(), batch_id)


@app.post("/v1/partner/code-batches/<batch_id>/revoke", tags=["codes"])
def revoke_code_batch(batch_id: str) -> RevokedOut:
    return service.revoke_batch(_partner_id(), batch_id)


lambda_handler = api.lambda_handler(app)
