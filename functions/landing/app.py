"""Public landing page of code URLs: what a phone camera opens when it scans a Tanhui QR."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from tanhui import api
from tanhui.codes import landing
from tanhui.openapi import responses

app = APIGatewayHttpResolver(enable_validation=True, serializer=api.to_json)
api.install(app, allow=(api.PUBLIC,))

HTML = "text/html; charset=utf-8"
PAGE = responses(200, "The code's page: what it is and how to claim it in the app.",
                 content={"text/html": {}})
PAGE[404] = {"description": "Not a genuine Tanhui code: a page that says so.", "content": {"text/html": {}}}
HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


@app.get(
    "/Q/<code>",
    tags=["landing"],
    summary="Landing page of a scanned QR code",
    description="What a phone camera opens when it scans a Tanhui QR code outside the app: an HTML "
    "page naming the code's asset, with a link that opens the app to claim it.",
    responses=PAGE,
)
def scanned(code: str):  # HTML body: no response model
    status, html = landing.page(f"/Q/{code}")
    return Response(status, HTML, html, headers=HEADERS)


@app.get(
    "/01/<gtin>/21/<code>",
    tags=["landing"],
    summary="Landing page of a product's GS1 Digital Link",
    description="The same page for a packaging code printed as a GS1 Digital Link (GTIN and serial).",
    responses=PAGE,
)
def scanned_product(gtin: str, code: str):
    status, html = landing.page(f"/01/{gtin}/21/{code}")
    return Response(status, HTML, html, headers=HEADERS)


lambda_handler = api.lambda_handler(app)
