"""A person's rights (个人信息保护法): a copy of my data (个人信息副本), closing my account (注销)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from tanhui import api, errors, idempotency
from tanhui.donations import projects
from tanhui.openapi import responses
from tanhui.rights import closing, data_export
from tanhui.rights.schemas import ClosedOut, ClosingIn, DataExportOut

IDEMPOTENCY_KEY = idempotency.ERRORS

app = APIGatewayHttpResolver(enable_validation=True, serializer=api.to_json)
api.install(app, allow=("tourist",))


@app.post(
    "/v1/me/data-export",
    tags=["rights"],
    summary="A copy of my data (个人信息副本)",
    description="Makes a copy of everything Tanhui holds about the caller (profile, wallet, consent "
    "records, bindings, every ledger entry, vouchers, donations, medals, certificates) as two "
    "files: one JSON document and a zip of one CSV per section (UTF-8 with BOM; each header cell "
    "`<中文> <key>`, the key being the JSON's). The answer links to each (presigned, valid 15 "
    "minutes, saved as an attachment); the files are deleted a day later. No body. One copy a "
    "minute: a second within it is 429 `data_export_too_soon` (the first's links still work). "
    "Consent is not needed: a person who withdrew it may still take their data.",
    responses=responses(201, "The copy is made: its links.",
                        raises=[data_export.DataExportTooSoon, (errors.NotFound, "profile_not_found")]),
)
def data_export_copy() -> Response[DataExportOut]:
    who = api.require_role(api.principal(app), "tourist")
    return Response(201, api.JSON, data_export.request_copy(who.user_id))


@app.post(
    "/v1/me/account/close",
    tags=["rights"],
    summary="Close my account (注销)",
    description="Closes the caller's account for good, after they give their password again. The "
    "unspent coins are forfeited (`coins: forfeit`, a `forfeit` ledger entry) or donated to an open "
    "project (`coins: donate`, `project_id`); open vouchers are cancelled and their coins go back to "
    "no one. The Cognito login, profile, consents, bindings (phone and every card, account and "
    "plate), wallet, stats and leaderboard entries, donations' records, medals, certificates and "
    "copies of the person's data are deleted; their behaviour records stay for carbon accounting, "
    "pseudonymised (no user id, phone or name), so totals, exports and past exports' audits still "
    "hold. The phone may register again, as a new person. What is kept, why and for how long: "
    "docs/tourists.md, 注销. The `Idempotency-Key` header is required: a retry with the same key and "
    "choice answers 200 with the same closing (no password needed then); a closing that stopped "
    "half-way is finished by a retry.",
    responses=responses(201, "Closed: the closing's reference and what became of the coins and vouchers.",
                        replay="The same Idempotency-Key again: the closing it made.",
                        raises=[*IDEMPOTENCY_KEY, (errors.Unauthorized, "invalid_credentials"),
                                (errors.NotFound, "profile_not_found"), projects.ProjectNotFound,
                                projects.ProjectClosed, closing.Closing, (errors.Conflict, "busy")]),
)
def close_account(
    body: Annotated[ClosingIn, Body()], idempotency_key: api.IdempotencyKey
) -> Response[ClosedOut]:
    who = api.require_role(api.principal(app), "tourist")
    outcome = closing.close_once(who.user_id, body, idempotency_key)
    return Response(201 if outcome.created else 200, api.JSON, outcome.value)


lambda_handler = api.lambda_handler(app)
