"""OpenAPI document merged from every HTTP function (this one included), and Swagger UI.

Each route documents itself (summary, description, `responses=` in its decorator; security and the
standard errors from its roles, see `tanhui.openapi`). Built on the first request, then kept:
request bodies of the sample events in events/ become the operations' examples, the
Powertools' own `{"detail": [...]}` 422 is dropped, every integer says its format (int32 or int64,
from its range: `tanhui.limits`) and the server is this stage's own origin.
"""

import functools
import json
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from tanhui import api, openapi

FUNCTIONS_DIR = Path(__file__).resolve().parent.parent
EVENTS_DIR = FUNCTIONS_DIR.parent / "events"  # present in the repository, not in the package
TITLE, VERSION = "Tanhui API", "1.0.0"
DESCRIPTION = """Carbon-inclusion (碳普惠) rewards: codes, claims, wallets, partners.

**Authorize** with the `access_token` of `POST /v1/auth/login`; routes with a lock need it.
Every error is `{"error": {"code", "message", "request_id", "details?"}}`: each response lists
the codes the route answers with that status (one example per code)."""
SERVER = {
    "url": "/",
    "description": "This document's own origin: the stage that served it (local `make run`, staging "
    "or production).",
    "x-internal": False,  # the public API of the web app, partners, operators and peers
}
INT32 = 2**31 - 1

app = APIGatewayHttpResolver(enable_validation=True, serializer=api.to_json)
api.install(app, allow=(api.PUBLIC,))
app.configure_openapi_merge(
    path=str(FUNCTIONS_DIR),
    pattern="app.py",
    recursive=True,
    exclude=["**/__pycache__/**"],
    title=TITLE,
    version=VERSION,
    description=DESCRIPTION,
    security_schemes=openapi.SECURITY_SCHEMES,
    on_conflict="error",
)


def _documented(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response:
    document()  # Swagger UI embeds the merged document: complete it first
    return next_middleware(app)


app.enable_swagger(
    path="/docs", title=TITLE, version=VERSION, middlewares=[_documented], persist_authorization=True
)
_swagger = next(route for route in api.routes(app) if route.path == "/docs")
_swagger.include_in_schema = True
_swagger.summary = "Swagger UI"
_swagger.description = "This document, browsable and callable (Authorize with a bearer token)."
_swagger.responses = openapi.responses(200, "An HTML page.", content={"text/html": {}})


@app.get(
    "/openapi.json",
    summary="The OpenAPI document",
    description="OpenAPI 3.1 document of every route of the API, merged from each function.",
    responses=openapi.responses(200, "This document.", content={openapi.JSON: {}}),
)
def openapi_document() -> dict:
    return document()


@functools.cache
def document() -> dict[str, Any]:
    """The merged document, completed in place: Powertools keeps it for Swagger UI too."""
    doc = app.get_openapi_merge_schema()
    _add_request_examples(doc["paths"])
    _tidy_responses(doc["paths"])
    _drop_unused_components(doc)
    _integer_formats(doc)
    doc["servers"] = [SERVER]
    return doc


def _add_request_examples(paths: dict[str, Any]) -> None:
    """Each sample event's JSON body is an example of its route's request body."""
    for file in sorted(EVENTS_DIR.glob("*/*.json")):
        event = json.loads(file.read_text(encoding="utf-8"))
        method, _, path = str(event.get("routeKey", "")).partition(" ")
        operation = paths.get(path, {}).get(method.lower())
        media = ((operation or {}).get("requestBody") or {}).get("content", {}).get(openapi.JSON)
        if media is None or not event.get("body") or event.get("isBase64Encoded"):
            continue
        example = {"summary": f"events/{file.parent.name}/{file.name}", "value": json.loads(event["body"])}
        media.setdefault("examples", {})[file.stem] = example


def _tidy_responses(paths: dict[str, Any]) -> None:
    """Responses in status order, without the 422 `{"detail": [...]}` Powertools puts on every
    route: routes that can answer 422 document our error body, the others cannot answer it."""
    for operations in paths.values():
        for operation in operations.values():
            responses = operation["responses"]
            generated = responses.get(422) or responses.get("422") or {}
            if "HTTPValidationError" in json.dumps(generated, default=str):
                responses.pop(422, None)
                responses.pop("422", None)
            operation["responses"] = dict(sorted(responses.items(), key=lambda item: str(item[0])))


def _drop_unused_components(doc: dict[str, Any]) -> None:
    """Drops the schemas nothing refers to (Powertools' validation-error ones)."""
    schemas = doc.get("components", {}).get("schemas", {})
    while True:
        text = json.dumps({k: v for k, v in doc.items() if k != "components"} | {"s": schemas}, default=str)
        unused = [name for name in schemas if f'"#/components/schemas/{name}"' not in text]
        if not unused:
            return
        for name in unused:
            del schemas[name]



def _integer_formats(node: Any) -> None:
    """`format: int32` on an integer whose range fits 32 bits, else `int64` (every integer has a
    range: `tanhui.limits`; `tests/unit/test_api_limits.py`)."""
    if isinstance(node, dict):
        kinds = node.get("type")
        if (kinds == "integer" or isinstance(kinds, list) and "integer" in kinds) and "format" not in node:
            low, high = node.get("minimum", -INT32 - 1), node.get("maximum", INT32 + 1)
            node["format"] = "int32" if low >= -INT32 - 1 and high <= INT32 else "int64"
        for key, value in node.items():
            if key not in ("example", "examples"):
                _integer_formats(value)
    elif isinstance(node, list):
        for value in node:
            _integer_formats(value)


lambda_handler = api.lambda_handler(app)
