"""What every HTTP function shares: the resolver, the one error shape, request guards, principal.

A handler module does::

    app = APIGatewayHttpResolver(enable_validation=True)
    api.install(app)

    @app.post("/v1/things")
    def create(body: ThingIn) -> ...:
        return things.create(api.principal(app), body)

    lambda_handler = api.lambda_handler(app)
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from tanhui import errors
from tanhui.config import get_settings
from tanhui.observability import logger, metrics

JSON = "application/json"
ROLES = ("admin", "partner", "tourist")


def error_body(code: str, message: str, request_id: str | None, details: Any = None) -> str:
    error: dict[str, Any] = {"code": code, "message": message, "request_id": request_id}
    if details is not None:
        error["details"] = details
    return json.dumps({"error": error}, ensure_ascii=False, default=str)


def error_response(
    status: int, code: str, message: str, request_id: str | None, details: Any = None
):
    return Response(
        status_code=status, content_type=JSON, body=error_body(code, message, request_id, details)
    )


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {
            "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"),
            "problem": e.get("msg", ""),
        }
        for e in exc.errors()
    ]


def install(app: APIGatewayHttpResolver) -> APIGatewayHttpResolver:
    """Adds the shared error handling to a handler module's resolver."""

    def request_id() -> str | None:
        return app.current_event.request_context.request_id

    @app.exception_handler(errors.TanhuiError)
    def on_domain_error(exc: errors.TanhuiError):
        if exc.status >= 500:  # pragma: no cover - domain errors are 4xx by construction
            logger.error("domain error with server status", extra={"code": exc.code})
        return error_response(exc.status, exc.code, exc.message, request_id(), exc.details)

    @app.exception_handler(RequestValidationError)
    def on_invalid_request(exc: RequestValidationError):
        details = _validation_details(exc)
        return error_response(
            422, "validation_error", "The request is not valid.", request_id(), details
        )

    @app.not_found
    def on_unknown_route(_exc: Exception):
        return error_response(404, "route_not_found", "No such route.", request_id())

    return app


def _reject(event: dict[str, Any]) -> errors.TanhuiError | None:
    """Transport checks done before routing: body size (413) and content type (415)."""
    body = event.get("body")
    if not body:
        return None
    size = len(body) * 3 // 4 if event.get("isBase64Encoded") else len(body.encode())
    if size > get_settings().max_body_bytes:
        return errors.PayloadTooLarge()
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    media_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != JSON and not media_type.endswith("+json"):
        return errors.UnsupportedMediaType()
    if event.get("isBase64Encoded"):
        try:
            event["body"] = base64.b64decode(body).decode()
            event["isBase64Encoded"] = False
        except (ValueError, UnicodeDecodeError):
            return errors.BadRequest("The body is not valid UTF-8.")
    return None


def lambda_handler(app: APIGatewayHttpResolver) -> Callable[[dict[str, Any], LambdaContext], dict]:
    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        rejected = _reject(event)
        if rejected is not None:
            request_id = (event.get("requestContext") or {}).get("requestId")
            return {
                "statusCode": rejected.status,
                "headers": {"Content-Type": JSON},
                "body": error_body(rejected.code, rejected.message, request_id),
                "isBase64Encoded": False,
            }
        return app.resolve(event, context)

    return handler


# ---------------------------------------------------------------------------------- principal
@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, as the JWT authorizer verified it (API Gateway or the local gateway)."""

    user_id: str
    groups: frozenset[str]

    @property
    def role(self) -> str:
        if "admin" in self.groups:
            return "admin"
        if "partner" in self.groups:
            return "partner"
        return "tourist"


def parse_groups(raw: Any) -> frozenset[str]:
    """`cognito:groups` arrives as a list, or flattened by API Gateway into "[admin partner]"."""
    if raw is None:
        return frozenset()
    if isinstance(raw, list | tuple):
        return frozenset(str(g) for g in raw)
    text = str(raw).strip().strip("[]")
    return frozenset(g.strip().strip('"') for g in text.replace(",", " ").split() if g.strip())


def principal(app: APIGatewayHttpResolver) -> Principal:
    claims = app.current_event.request_context.authorizer.jwt_claim or {}
    if not claims.get("sub") or claims.get("token_use", "access") != "access":
        raise errors.Unauthorized()
    return Principal(user_id=claims["sub"], groups=parse_groups(claims.get("cognito:groups")))


def require_role(who: Principal, *roles: str) -> Principal:
    if who.role not in roles:
        raise errors.Forbidden()
    return who
