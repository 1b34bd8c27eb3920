"""A small local HTTP API: routes from template.yaml, the JWT authorizer, real handlers.

For each request it finds the route the template declares, verifies the bearer token as the
HTTP API's Cognito JWT authorizer would (signature, issuer, client, token_use, expiry), builds
an API Gateway v2 event and invokes the function's handler.

What the gateway answers itself, and what API Gateway (HTTP API) does in the same case:

- request line + headers over 10,240 bytes (a hard HTTP API quota), or one header line over
  64 KB (the HTTP server's limit): 431 `headers_too_large`. HTTP API refuses such a request
  before routing with its own 4xx body; the function never runs.
- body over 10 MB (the payload quota): 413 `payload_too_large`; HTTP API: 413
  `{"message": "Request Entity Too Large"}`.
- no route: 404 `route_not_found`; HTTP API: 404 `{"message": "Not Found"}`.
- the JWT authorizer refuses: 401 `unauthorized`; HTTP API: 401 `{"message": "Unauthorized"}`.
- the function crashed (no response at all): 500 `{"message": "Internal Server Error"}`, exactly
  what HTTP API sends.

With a web origin (`serve_web`, as `make run` does), the gateway stands where CloudFront stands on
AWS: the template's WebDistribution decides which paths reach the API and which the web app
(`infra.local.edge`).

The first four answer in the Tanhui error shape so local clients see one shape. A function's own
response, its 500 `internal_error` included, is passed through untouched, so a local run never
shows an error body that production cannot produce.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any

from werkzeug.serving import WSGIRequestHandler
from werkzeug.wrappers import Request, Response

from infra.local import cfn
from infra.local.edge import Edge, WebOrigin
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


GATEWAY_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "route_not_found",
    413: "payload_too_large",
    414: "headers_too_large",
    431: "headers_too_large",
}


def _error_json(status: int, message: str) -> str:
    code = GATEWAY_CODES.get(status, "bad_request")
    return json.dumps({"error": {"code": code, "message": message, "request_id": None}})


def _gateway_error(status: int, message: str) -> Response:
    """The gateway's own refusals (table above), before any function runs."""
    return Response(_error_json(status, message), status=status, content_type="application/json")


TOKEN_PATH = "/oauth2/token"


def _token_endpoint(request: Request) -> Response:
    """Cognito's token endpoint (the pool domain's POST /oauth2/token), client-credentials grant
    only: HTTP Basic client id and secret, form `grant_type=client_credentials&scope=…`."""
    from infra.local import moto_cognito

    header = request.headers.get("Authorization", "")
    try:
        client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        client_id = secret = ""
    if request.method != "POST" or not header.lower().startswith("basic "):
        return Response(json.dumps({"error": "invalid_client"}), status=401, content_type="application/json")
    status, body = moto_cognito.client_credentials_token(
        client_id, secret, request.form.get("grant_type", ""), request.form.get("scope"))
    return Response(json.dumps(body), status=status, content_type="application/json")


def _crashed() -> Response:
    """What API Gateway answers when the integration fails: not our error shape."""
    body = json.dumps({"message": "Internal Server Error"})
    return Response(body, status=500, content_type="application/json")


class JsonErrorRequestHandler(WSGIRequestHandler):
    """The HTTP server's own refusals (a header line over 64 KB: 431, a malformed request
    line: 400) in the JSON error shape instead of http.server's HTML page."""

    def make_environ(self) -> Any:
        """The path as the client sent it, too: http.server folds a leading "//" into "/" before
        werkzeug sees it (API Gateway matches the path as sent)."""
        environ = super().make_environ()
        parts = self.requestline.split()
        environ["tanhui.sent_path"] = parts[1] if len(parts) >= 2 else self.path
        return environ

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if code < 400 or code in (204, 304):  # pragma: no cover - http.server never does this
            return super().send_error(code, message, explain)
        body = _error_json(code, message or self.responses.get(code, ("Error",))[0]).encode()
        self.log_error("code %d, message %s", code, message)
        self.send_response(code, message)
        self.send_header("Connection", "close")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class LocalGateway:
    MAX_BODY = 10 * 1024 * 1024  # the HTTP API payload limit
    MAX_HEADERS = 10_240  # the HTTP API limit on the request line and header values together

    def __init__(self, template: dict[str, Any], functions: dict[str, LocalFunction],
                 web: WebOrigin | None = None):
        # Literal segments win over parameters, as in API Gateway.
        routes = sorted(cfn.http_routes(template), key=lambda r: r.path.count("{"))
        self.routes = [_CompiledRoute(r, _compile(r.path)) for r in routes]
        self.functions = functions
        self.template = template
        self.edge: Edge | None = None
        if web is not None:
            self.serve_web(web)

    def serve_web(self, web: WebOrigin) -> None:
        """From now on, as the template's CloudFront distribution: the web app and the API on one
        origin, with its response headers (`infra.local.edge`)."""
        self.edge = Edge(self.template, web)

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
        if self.edge is None or request.path == TOKEN_PATH:  # the pool domain's, not the distribution's
            return self.handle_api(request)
        behaviour = self.edge.behaviour(request.path)
        if behaviour.origin == "web":
            if request.method not in ("GET", "HEAD"):  # the default behaviour's AllowedMethods
                return self.edge.finish(Response("Method Not Allowed", status=403), behaviour)
            return self.edge.finish(self.edge.web.serve(request), behaviour)
        return self.edge.finish(self.handle_api(request), behaviour)

    def handle_api(self, request: Request) -> Response:
        """What the HTTP API answers (the table in this module's docstring)."""
        from tanhui import errors

        from infra.local import jwt_authorizer

        # the server folds leading slashes ("//v1/me" reads "/v1/me"); API Gateway matches the path
        # as sent, and no route starts with "//"
        sent = request.environ.get("tanhui.sent_path") or request.path
        if sent == TOKEN_PATH:  # the pool domain's token endpoint, which moto does not serve
            return _token_endpoint(request)
        found = None if sent.startswith("//") else self.match(request.method, request.path)
        if found is None:
            return _gateway_error(404, "Not Found")
        if "chunked" in request.headers.get("Transfer-Encoding", "").lower():
            # a body without Content-Length: refused at once (reading a plain body as chunks
            # waited for the client's timeout); HTTP API clients send a length
            return _gateway_error(400, "Bad Request: send the body with a Content-Length, not chunked")
        route, params = found
        head = len(request.method) + len(request.full_path) + 10  # "GET /path HTTP/1.1"
        if head + sum(len(k) + len(v) for k, v in request.headers.items()) > self.MAX_HEADERS:
            return _gateway_error(431, "Request Header Fields Too Large")
        if (request.content_length or 0) > self.MAX_BODY:
            return _gateway_error(413, "Request Entity Too Large")
        claims = None
        if route.authorized:
            header = request.headers.get("Authorization", "")
            token = header[7:].strip() if header.lower().startswith("bearer ") else header.strip()
            if not token:
                return _gateway_error(401, "Unauthorized")
            try:
                claims = jwt_authorizer.verify(token, route.authorizer, route.scopes)
            except errors.Unauthorized as exc:
                return _gateway_error(401, exc.message)
            except errors.Forbidden as exc:  # HTTP API: 403 {"message": "Forbidden"}
                return _gateway_error(403, exc.message)
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
            return _crashed()
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
