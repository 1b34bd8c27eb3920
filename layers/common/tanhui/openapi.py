"""What the API reference says about every route, declared once for all HTTP functions.

A route declares what only it knows, next to its decorator::

    @app.post("/v1/claims", summary="Claim a scanned code", description="…",
              responses=openapi.responses(201, "Credited", replay="Already credited: …",
                                          raises=(errors.InvalidCode, (errors.Conflict, "busy"))))

and `tanhui.api.lambda_handler(app)` adds what follows from its roles and its parameters
(`document`): the bearer-JWT security requirement and 401/403 on protected routes, 400/413/415 on
routes that take a JSON body, 422 `validation_error` on routes with a body, query or header
parameter, and 500 `internal_error` and 503 `unavailable` everywhere. Every error response is the real
`{"error": {code, message, request_id, details?}}` (component `ErrorResponse`) with one example per
`code` the route can answer with that status, so the example names are the route's codes.

Nothing here builds the document: DocsFunction merges every function's routes when
`/openapi.json` or `/docs` is requested.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Iterable
from typing import Any

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
        'in AWS with its own 401 `{"message": "Unauthorized"}`, locally in the error shape.',
    }
}
JSON = "application/json"
REQUEST_ID = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"

# A route's error: a TanhuiError class, or a class with the code it is raised with (`code="busy"`).
Raises = type[errors.TanhuiError] | tuple[type[errors.TanhuiError], str]


class ErrorBody(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built with the document, not at a cold start

    code: str = Field(description="Stable code to switch on; the route's codes are its examples.")
    message: str = Field(description="Human-readable; may change.")
    request_id: str | None = Field(description="Quote it when reporting a problem.")
    details: list[dict[str, Any]] | None = Field(
        None, description="`validation_error`: one `{field, problem}` per refused field."
    )


class ErrorResponse(BaseModel):
    """Every 4xx and 5xx answer of the API."""

    model_config = ConfigDict(defer_build=True)

    error: ErrorBody


def _error(raised: Raises) -> tuple[int, str, str]:
    cls, code = raised if isinstance(raised, tuple) else (raised, raised.code)
    return cls.status, code, cls.message


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
    declared.update(error_responses([_error(r) for r in raises]))
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
    """"body" and/or "query" if the handler takes a JSON body or query/header parameters."""
    from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Query

    kinds: set[str] = set()
    for param in inspect.signature(func, eval_str=True).parameters.values():  # as Powertools reads it
        annotation = param.annotation
        annotated = typing.get_origin(annotation) is typing.Annotated
        metadata = typing.get_args(annotation)[1:] if annotated else ()
        if any(isinstance(m, Body) for m in metadata) or (
            isinstance(annotation, type) and issubclass(annotation, BaseModel)
        ):
            kinds.add("body")
        elif any(isinstance(m, Query | Header) for m in metadata):
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
    route.responses = dict(sorted(declared.items()))
    if protected:
        route.security = [{BEARER: []}]
        role_line = f"Roles: {', '.join(sorted(roles))}."
        if route.description and role_line not in route.description:
            route.description = f"{route.description}\n\n{role_line}"
