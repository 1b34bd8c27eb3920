"""Claims API: a tourist scans a code (POST /v1/claims); wallet, ledger and certificate
(GET /v1/me/...); the public check of a certificate (GET /v1/certificates/{id})."""

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from tanhui import api, errors
from tanhui.certificates import html
from tanhui.certificates import issuing as certificates
from tanhui.certificates.periods import InvalidPeriod
from tanhui.certificates.schemas import CertificateCheckOut
from tanhui.claims import scan
from tanhui.claims.factors import AssetIncomplete, FactorMissing
from tanhui.claims.peers import CountedElsewhere
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
    errors.ConsentWithdrawn, CountedElsewhere,
)


@app.post(
    "/v1/claims",
    tags=["claims"],
    summary="Claim the coins of a scanned code",
    description="Credits the tourist's wallet for the low-carbon behaviour a code stands for "
    "(ticket, hotel stay, shuttle ride, product). Send `lat`/`lng` (the phone's location) for "
    "codes whose asset is geofenced. Scanning a code you already claimed answers 200 with the "
    "first claim and `already_credited: true`. A printed single-use code another platform of the "
    "de-duplication network registered first is refused 409 `counted_elsewhere`.",
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


@app.get(
    "/v1/me/certificate.pdf",
    tags=["certificates"],
    summary="My reduction certificate (PDF)",
    description="One A4 page certifying the gCO2e and coins credited to the tourist for behaviours "
    "in `period` (a year `YYYY` or a month `YYYY-MM`, local dates, the current one so far), with "
    "the behaviours counted, the certificate id and a QR of its public check "
    "(GET /v1/certificates/{certificate_id}). The same numbers give the same certificate; more "
    "credits in the period give a new one. The id is also in the `X-Certificate-Id` header.",
    responses=responses(200, "The certificate.", content={"application/pdf": {}},
                        raises=[InvalidPeriod, certificates.PROFILE_NOT_FOUND,
                                certificates.NoCreditsInPeriod]),
)
def my_certificate(
    period: Annotated[str, Query(max_length=16, description="YYYY or YYYY-MM, e.g. 2026")],
):  # binary body: no response model to validate
    cert, pdf = certificates.download(_tourist(), period)
    return Response(200, "application/pdf", pdf, headers={
        "Content-Disposition": f'inline; filename="tanhui-certificate-{cert.period}.pdf"',
        "X-Certificate-Id": cert.certificate_id,
        "Cache-Control": "private, no-store",
    })


CHECK = responses(raises=[certificates.CertificateNotFound])
CHECK[200]["content"] = {api.JSON: {"model": CertificateCheckOut}, "text/html": {}}
CHECK[404]["content"]["text/html"] = {}


@app.route(
    "/v1/certificates/<certificate_id>",
    method=["GET", "HEAD"],
    tags=["certificates"],
    summary="Check a certificate",
    description="Public: what the certificate with this id states (what its QR opens): the "
    "holder's name masked, the period, gCO2e, coins, behaviours and when it was issued. Never the "
    "phone number or user id. An `Accept` header that prefers `text/html` (a browser) gets a page "
    "a person reads, Chinese first, English beside; anything else JSON. HEAD answers the status "
    "and headers only.",
    responses=CHECK,
)
@api.allow(api.PUBLIC)
def check_certificate(certificate_id: api.PathId):  # JSON or HTML (documented in CHECK): no response model
    return api.json_or_page(app, lambda: certificates.check(certificate_id), html.page,
                            missing=(certificates.CertificateNotFound, html.not_found))


lambda_handler = api.lambda_handler(app)
