"""The code's page: what a phone camera opens when it scans a Tanhui QR (GET and HEAD)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Path
from tanhui import api
from tanhui.claims import landing
from tanhui.claims.schemas import MAX_CODE
from tanhui.openapi import responses

app = APIGatewayHttpResolver(enable_validation=True, serializer=api.to_json)
api.install(app, allow=(api.PUBLIC,))

HTML = "text/html; charset=utf-8"
Code = Annotated[str, Path(min_length=1, max_length=MAX_CODE)]  # as POST /v1/claims takes it
PAGE = responses(200, "The code's page: the web app with what the code is for (scene, coins, partner) "
                 "readable without JavaScript and as JSON in `#tanhui-code`.", content={"text/html": {}})
PAGE[404] = {"description": "Not a genuine Tanhui code: a page that says so, Chinese first.",
             "content": {"text/html": {}}}
PAGE[410] = {"description": "An expired screen code or one its partner withdrew: a page that says so.",
             "content": {"text/html": {}}}
HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
DESCRIPTION = (
    "An HTML page: the web app (H5) with `<script type=\"application/json\" id=\"tanhui-code\">` = "
    "`{valid, kind, code, short, scene: {zh, en}, coins, gco2e, partner, asset, needs_location, "
    "reason, consent}` (`code`: what to POST to /v1/claims; `reason` when not valid: invalid, "
    "expired, revoked; `consent`: on a code that earns coins, the consent in force as GET "
    "/v1/consent answers it, `{version, text: {zh, en}}`, else null) and the same facts, the "
    "consent's text too, as text for a phone without JavaScript. HEAD answers the status and "
    "headers only."
)


def _page(path: str) -> Response:
    status, html = landing.page(path)
    head = app.current_event.request_context.http.method == "HEAD"
    return Response(status, HTML, "" if head else html, headers=HEADERS)


@app.route("/Q/<code>", method=["GET", "HEAD"], tags=["landing"],
           summary="The page of a scanned QR code", description=DESCRIPTION, responses=PAGE)
def scanned(code: Code):  # HTML body: no response model
    return _page(f"/Q/{code}")


@app.route("/01/<gtin>/21/<code>", method=["GET", "HEAD"], tags=["landing"],
           summary="The page of a product's GS1 Digital Link",
           description="The same page for a packaging code printed as a GS1 Digital Link (GTIN and "
           "serial). " + DESCRIPTION, responses=PAGE)
def scanned_product(gtin: api.PathId, code: Code):
    return _page(f"/01/{gtin}/21/{code}")


lambda_handler = api.lambda_handler(app)
