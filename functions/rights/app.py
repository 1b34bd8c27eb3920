"""A person's rights (个人信息保护法): a copy of my data (个人信息副本)."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from tanhui import api, errors
from tanhui.openapi import responses
from tanhui.rights import data_export
from tanhui.rights.schemas import DataExportOut

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


lambda_handler = api.lambda_handler(app)
