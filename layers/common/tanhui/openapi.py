"""What the API reference says about every route, declared once for all HTTP functions.

A route declares what only it knows, next to its decorator::

    @app.post("/v1/claims", summary="Claim a scanned code", description="…",
              responses=openapi.responses(201, "Credited", replay="Already credited: …",
                                          raises=(errors.InvalidCode, (errors.Conflict, "busy"))))

and `tanhui.api.lambda_handler(app)` adds what follows from its roles and its parameters
(`document`): the bearer-JWT security requirement with the route's roles and 401/403 on protected
routes (`security: [{}]`, no token, on public ones), 400/413/415 on routes that take a JSON body,
422 `validation_error` on routes with a body, path, query or header parameter, 500
`internal_error` and 503 `unavailable` everywhere, and 429 everywhere: API Gateway's throttling
in its own shape, beside the route's own 429 codes (with `Retry-After` where waiting helps). Every
error response of ours is the real `{"error": {code, message, request_id, details?}}` (component
`ErrorResponse`) with one example per `code` the route can answer with that status, so the example
names are the route's codes.

Nothing here builds the document: DocsFunction merges every function's routes when
`/openapi.json` or `/docs` is requested.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tanhui import errors

BEARER = "bearerAuth"
SECURITY_SCHEMES: dict[str, Any] = {
    BEARER: {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "The Cognito access token from POST /v1/auth/login (`access_token`). "
        "API Gateway's JWT authorizer refuses a missing or invalid one before any function runs: "
        'in AWS with its own 401 `{"message": "Unauthorized"}`, locally in the error shape. '
        "Tokens are checked as RFC8725 (JWT Best Current Practices) asks: the signature with the "
        "algorithm of the user pool's published key (RS256; never `none`), the issuer, the app "
        "client, the token's use (`access`) and its expiry. A route's roles (Cognito groups) are "
        "listed in its security requirement and checked by the function before the body is read.",
    }
}
JSON = "application/json"
REQUEST_ID = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"

# A route's error: a TanhuiError class, or a class with the code it is raised with (`code="busy"`).
Raises = type[errors.TanhuiError] | tuple[type[errors.TanhuiError], str]


class ErrorBody(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built with the document, not at a cold start

    code: str = Field(max_length=64, pattern="^[a-z0-9_]+$",
                      description="Stable code to switch on; the route's codes are its examples.")
    message: str = Field(max_length=errors.MAX_MESSAGE, description="Human-readable; may change.")
    request_id: str | None = Field(max_length=128, description="Quote it when reporting a problem.")
    details: list[dict[str, Any]] | None = Field(
        None, max_length=errors.MAX_DETAILS,
        description="`validation_error`: one `{field, problem}` per refused field (the first 100).",
    )


class ErrorResponse(BaseModel):
    """Every 4xx and 5xx answer of the API."""

    model_config = ConfigDict(defer_build=True)

    error: ErrorBody


class GatewayThrottled(BaseModel):
    """API Gateway's own 429 when the stage's or the route's rate is passed (template.yaml's
    throttling; in AWS only: the local stack does not throttle). It sends no `Retry-After`."""

    model_config = ConfigDict(defer_build=True)

    message: Literal["Too Many Requests"]


THROTTLED = "throttled"  # the gateway's example in a 429's examples (no code of ours)
GATEWAY_429 = "API Gateway's throttling: the stage's or this route's rate is passed (AWS only)."
# infra/waf.yaml's per-IP rate rules on the web app's CloudFront: path → its PositionalConstraint
EDGE_RATE_LIMITED = {"/v1/auth/": "STARTS_WITH", "/v1/claims": "EXACTLY"}
EDGE_429 = ("The edge firewall's per-IP limit (AWS WAF on the web app's CloudFront, AWS only): "
            "no body, `Retry-After: 300`.")
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before the same request may succeed: sent where the "
        "description above says, never with API Gateway's throttling.",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 86400},
    }
}


def _error(raised: Raises) -> tuple[int, str, str]:
    cls, code = raised if isinstance(raised, tuple) else (raised, raised.code)
    return cls.status, code, cls.message


def _retries(raised: Raises) -> bool:
    """The error answers with `Retry-After` (`errors.TooManyRequests.retry_after`)."""
    cls = raised[0] if isinstance(raised, tuple) else raised
    return bool(getattr(cls, "retry_after", None))


def responses(
    ok: int = 200,
    description: str = "Success.",
    *,
    replay: str | None = None,
    content: dict[str, Any] | None = None,
    raises: Iterable[Raises] = (),
) -> dict[int, Any]:
    """A route's `responses=`: its success status (201, 202…), `replay` = what a 200 means when
    the same request is answered again (claim already credited, Idempotency-Key replay), and the
    domain errors it can raise. Without `content` a success carries the route's return model."""
    declared: dict[int, Any] = {ok: {"description": description}}
    if replay is not None and ok != 200:
        declared[200] = {"description": replay}
    if content is not None:
        for status in declared:
            declared[status]["content"] = content
    raises = list(raises)
    declared.update(error_responses([_error(r) for r in raises]))
    if any(_retries(r) for r in raises):
        declared[429]["headers"] = RETRY_AFTER
    return declared


def error_responses(errors_: Iterable[tuple[int, str, str]]) -> dict[int, Any]:
    """`{status: response}` documenting each (status, code, message) with the real error body."""
    by_status: dict[int, dict[str, str]] = {}
    for status, code, message in errors_:
        by_status.setdefault(status, {})[code] = message
    return {status: _error_response(codes) for status, codes in sorted(by_status.items())}


def _error_response(codes: dict[str, str]) -> dict[str, Any]:
    examples = {}
    for code, message in codes.items():
        body: dict[str, Any] = {"code": code, "message": message, "request_id": REQUEST_ID}
        if code == "validation_error":
            body["details"] = [{"field": "code", "problem": "Field required"}]
        examples[code] = {"summary": message, "value": {"error": body}}
    return {
        "description": "\n".join(f"`{code}`: {message}" for code, message in codes.items()),
        "content": {JSON: {"model": ErrorResponse, "examples": examples}},
    }


def documented_codes(route: Any, status: int) -> set[str]:
    """The error codes a route documents for `status` (its examples' names)."""
    response = (route.responses or {}).get(status) or {}
    return set(response.get("content", {}).get(JSON, {}).get("examples", {}))


# ----------------------------------------------------------------------- what roles imply
def _parameter_kinds(func: Any) -> set[str]:
    """"body" and/or "query" if the handler takes a JSON body or path/query/header parameters."""
    from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query

    kinds: set[str] = set()
    for param in inspect.signature(func, eval_str=True).parameters.values():  # as Powertools reads it
        annotation = param.annotation
        annotated = typing.get_origin(annotation) is typing.Annotated
        metadata = typing.get_args(annotation)[1:] if annotated else ()
        if any(isinstance(m, Body) for m in metadata) or (
            isinstance(annotation, type) and issubclass(annotation, BaseModel)
        ):
            kinds.add("body")
        elif any(isinstance(m, Query | Header | Path) for m in metadata):
            kinds.add("query")
    return kinds


def _implied(protected: bool, any_role: bool, kinds: set[str]) -> list[tuple[int, str, str]]:
    implied: list[tuple[int, str, str]] = []
    if protected:
        implied.append(_error(errors.Unauthorized))
        if not any_role:
            implied.append(_error(errors.Forbidden))
    if "body" in kinds:
        implied += [
            (400, "bad_request", "The body is not valid UTF-8."),
            _error(errors.PayloadTooLarge),
            _error(errors.UnsupportedMediaType),
        ]
    if kinds:
        implied.append((422, "validation_error", "The request is not valid."))
    implied.append((500, "internal_error", "Something went wrong on our side."))
    # api.UNAVAILABLE: an AWS service busy or failing after the SDK's retries
    implied.append((503, "unavailable", "A service we depend on is busy; try again shortly."))
    return implied


def document(route: Any, roles: Iterable[str], *, protected: bool, any_role: bool) -> None:
    """Adds to a registered route what its roles and parameters imply (see the module doc):
    `protected` = it needs a token, `any_role` = every signed-in role may call it."""
    declared = dict(route.responses or {})
    if not any(200 <= status < 300 for status in declared):
        declared[route.status_code] = {"description": route.response_description or "Success."}
    implied = error_responses(_implied(protected, any_role, _parameter_kinds(route.func)))
    for status, response in implied.items():
        if status not in declared:
            declared[status] = response
            continue
        mine = declared[status]["content"][JSON]["examples"]
        codes = {**response["content"][JSON]["examples"], **mine}
        declared[status] = _error_response({c: e["summary"] for c, e in codes.items()})
    declared[429] = _too_many_requests(declared.get(429), _edge_limited(route.path))
    route.responses = dict(sorted(declared.items()))
    if protected:
        route.security = [{BEARER: sorted(roles)}]  # OpenAPI 3.1: a role list for a bearer scheme
        role_line = f"Roles: {', '.join(sorted(roles))}."
        if route.description and role_line not in route.description:
            route.description = f"{route.description}\n\n{role_line}"
    else:
        route.security = [{}]  # no token, on purpose: public (`api.PUBLIC`)


def _edge_limited(path: str) -> bool:
    return any(path.startswith(prefix) if how == "STARTS_WITH" else path == prefix
               for prefix, how in EDGE_RATE_LIMITED.items())


def _too_many_requests(declared: dict[str, Any] | None, edge: bool) -> dict[str, Any]:
    """Every route's 429: API Gateway's throttling (template.yaml's DefaultRouteSettings and
    RouteSettings) answers it on any route, in its own shape; a route's own 429 codes in ours;
    on the edge firewall's rate-limited paths, its bodiless 429 with `Retry-After`."""
    examples = dict((declared or {}).get("content", {}).get(JSON, {}).get("examples", {}))
    examples[THROTTLED] = {"summary": GATEWAY_429, "value": {"message": "Too Many Requests"}}
    lines = [f"`{code}`: {e['summary']}" for code, e in examples.items() if code != THROTTLED]
    response: dict[str, Any] = {
        "description": "\n".join([*lines, GATEWAY_429, *([EDGE_429] if edge else [])]),
        "content": {JSON: {"model": ErrorResponse | GatewayThrottled, "examples": examples}},
    }
    if edge or (declared and "headers" in declared):
        response["headers"] = RETRY_AFTER
    return response
