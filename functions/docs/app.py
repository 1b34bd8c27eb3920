"""OpenAPI document merged from every HTTP function, and Swagger UI."""

from pathlib import Path

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from tanhui import api

FUNCTIONS_DIR = Path(__file__).resolve().parent.parent

app = APIGatewayHttpResolver(enable_validation=True)
api.install(app, allow=(api.PUBLIC,))
app.configure_openapi_merge(
    path=str(FUNCTIONS_DIR),
    pattern="app.py",
    recursive=True,
    exclude=["**/docs/**"],
    title="Tanhui API",
    version="1.0.0",
    description="Carbon-inclusion (碳普惠) rewards: codes, claims, wallets, partners.",
)
app.enable_swagger(path="/docs", title="Tanhui API", version="1.0.0")


@app.get("/openapi.json", include_in_schema=False)
def openapi() -> dict:
    return app.get_openapi_merge_schema()


lambda_handler = api.lambda_handler(app)
