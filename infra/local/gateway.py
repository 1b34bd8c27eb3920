"""A small local HTTP API: routes from template.yaml, the JWT authorizer, real handlers.

For each request it finds the route the template declares, verifies the bearer token as the
HTTP API's Cognito JWT authorizer would (signature, issuer, client, token_use, expiry), builds
an API Gateway v2 event and invokes the function's handler.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Request, Response

from infra.local import cfn
from infra.local.events import http_event
from infra.local.functions import LocalFunction


@dataclass(frozen=True)
class _CompiledRoute:
    route: cfn.HttpRoute
    pattern: re.Pattern[str]


def _compile(path: str) -> re.Pattern[str]:
    regex = ""
    for part in re.split(r"(\{[^}]+\})", path):
        if part.startswith("{") and part.endswith("}"):
            name = part[1:-1]
            regex += f"(?P<{name[:-1]}>.+)" if name.endswith("+") else f"(?P<{name}>[^/]+)"
        else:
            regex += re.escape(part)
    return re.compile(f"^{regex}$")


def _gateway_error(status: int, message: str) -> Response:
    """API Gateway's own answers (no route, authorizer refusal, function crash)."""
    code = {
        401: "unauthorized",
        404: "route_not_found",
        413: "payload_too_large",
        500: "internal_error",
    }.get(status, "error")
    body = {"error": {"code": code, "message": message, "request_id": None}}
    return Response(json.dumps(body), status=status, content_type="application/json")


class LocalGateway:
    MAX_BODY = 10 * 1024 * 1024  # the HTTP API payload limit

    def __init__(self, template: dict[str, Any], functions: dict[str, LocalFunction]):
        # Literal segments win over parameters, as in API Gateway.
        routes = sorted(cfn.http_routes(template), key=lambda r: r.path.count("{"))
        self.routes = [_CompiledRoute(r, _compile(r.path)) for r in routes]
        self.functions = functions

    def match(self, method: str, path: str) -> tuple[cfn.HttpRoute, dict[str, str]] | None:
        for compiled in self.routes:
            if compiled.route.method in (method, "ANY"):
                m = compiled.pattern.match(path)
                if m:
                    return compiled.route, m.groupdict()
        return None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.handle(Request(environ))(environ, start_response)

    def handle(self, request: Request) -> Response:
        from tanhui import errors
        from tanhui.identity import tokens

        found = self.match(request.method, request.path)
        if found is None:
            return _gateway_error(404, "Not Found")
        route, params = found
        if (request.content_length or 0) > self.MAX_BODY:
            return _gateway_error(413, "Request Entity Too Large")
        claims = None
        if route.authorized:
            header = request.headers.get("Authorization", "")
            token = header[7:].strip() if header.lower().startswith("bearer ") else header.strip()
            if not token:
                return _gateway_error(401, "Unauthorized")
            try:
                claims = tokens.verify(token)
            except errors.Unauthorized as exc:
                return _gateway_error(401, exc.message)
        event = http_event(
            request.method,
            request.path,
            route_key=route.route_key,
            path_parameters=params or None,
            query={k: request.args.getlist(k) for k in request.args} or None,
            raw_query=request.query_string.decode(),
            headers=dict(request.headers),
            body=request.get_data() or None,
            claims=claims,
            source_ip=request.remote_addr or "127.0.0.1",
        )
        try:
            result = self.functions[route.function].invoke(event)
        except Exception:  # a crashed invocation: API Gateway answers 500, the log has the trace
            import traceback

            traceback.print_exc()
            return _gateway_error(500, "Internal Server Error")
        return _to_response(result)


def _to_response(result: Any) -> Response:
    if not isinstance(result, dict) or "statusCode" not in result:
        return Response(json.dumps(result), status=200, content_type="application/json")
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    response = Response(data, status=int(result["statusCode"]))
    for k, v in (result.get("headers") or {}).items():
        response.headers[k] = v
    for k, values in (result.get("multiValueHeaders") or {}).items():
        for v in values:
            response.headers.add(k, v)
    for cookie in result.get("cookies") or []:
        response.headers.add("Set-Cookie", cookie)
    return response
