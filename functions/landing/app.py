"""Public landing page of code URLs: what a phone camera opens when it scans a Tanhui QR."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from tanhui import api
from tanhui.codes import landing

app = APIGatewayHttpResolver(enable_validation=True)
api.install(app, allow=(api.PUBLIC,))

HTML = "text/html; charset=utf-8"
HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


@app.get("/Q/<code>", tags=["landing"], responses={200: {"content": {"text/html": {}}}})
def scanned(code: str):  # HTML body: no response model
    status, html = landing.page(f"/Q/{code}")
    return Response(status, HTML, html, headers=HEADERS)


@app.get("/01/<gtin>/21/<code>", tags=["landing"], responses={200: {"content": {"text/html": {}}}})
def scanned_product(gtin: str, code: str):
    status, html = landing.page(f"/01/{gtin}/21/{code}")
    return Response(status, HTML, html, headers=HEADERS)


lambda_handler = api.lambda_handler(app)
