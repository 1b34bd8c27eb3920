"""What every HTTP function shares: the resolver, the one error shape, request guards, principal.

A handler module does::

    app = APIGatewayHttpResolver(enable_validation=True, serializer=api.to_json)
    api.install(app, allow=("partner",))          # who may call this resolver's routes

    @app.post("/v1/things")
    def create(body: ThingIn) -> ...:
        return things.create(api.principal(app), body)

    @app.get("/v1/things/public")
    @api.allow(api.PUBLIC)                       # a route's own declaration wins over the default
    def public_things() -> ...: ...

    lambda_handler = api.lambda_handler(app)

**Roles.** Every route declares who may call it: the resolver's default (`install(app,
allow=...)`) or the route's own `@api.allow(...)` placed *under* `@app.<method>(...)`. Roles are
`"tourist"`, `"partner"`, `"admin"`, `"regulator"` (监管: read-only, its routes are GETs under
`/v1/regulator/`) (`api.ROLES` = any signed-in user) or `api.PUBLIC` (no token:
the template's route has `Authorizer: NONE`). `lambda_handler` matches the route and checks the
caller's role *before* anything reads the body (401 without a valid access token, 403 for another
role), so a tourist posting half a body to an admin route gets 403, not the schema. A route with no
declaration is refused (500, logged) and fails `tests/unit/test_route_roles.py`, which walks every
route of every function. Handlers still call `api.principal(app)` for the caller's id.

**Bodies.** After the role check and before the resolver parses it, a body is checked once: size
(413), media type (415), valid UTF-8, a JSON object (not an array: Powertools would validate its
first item) without NaN, numbers of more than 4,300 digits or nesting deeper than
`MAX_JSON_DEPTH` (422 `validation_error`), so no body reaches the parser or
pydantic that can crash them. Body models derive from `tanhui.request_models.RequestModel`.

**Query strings.** A page size is `limit: api.PageLimit = 20` (plain digits, 1–100).

**Reference.** A route's decorator carries its `summary=`, `description=` and
`responses=openapi.responses(...)` (success statuses, domain errors); `lambda_handler(app)` adds
what its roles and parameters imply (bearer JWT, 401/403/413/415/422/500), see `tanhui.openapi`.

**JSON.** Bodies are UTF-8 as they are (`"丹霞"`, not Powertools' default `"\\u4e39\\u971e"`):
a resolver made with `serializer=api.to_json` (the OpenAPI merge finds each function's resolver by
its constructor, so every app.py spells it out); error bodies are written the same way.

**Errors.** Every `TanhuiError` becomes `{"error": {"code", "message", "request_id", "details?"}}`
with its status; request validation 422 `validation_error` with `details`; anything unmapped is
logged with the request id and answered 500 `internal_error` in the same shape. A field refused
with `errors.field_error(SomeError)` (e.g. a phone number nobody can read) answers 422 with that
error's code and message, `details` as for `validation_error`.
"""

from __future__ import annotations

import base64
import functools
import json
import math
import re
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import annotated_types
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import Route
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.shared.json_encoder import Encoder
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BeforeValidator

from tanhui import errors, limits, openapi, request_models
from tanhui.config import get_settings
from tanhui.observability import log_invocations, logger, metrics

JSON = "application/json"
ROLES = ("admin", "partner", "tourist", "regulator")
PUBLIC = "public"
# a peer platform's machine credential (client-credentials token of scope tanhui-peers/*): declared
# alone, like PUBLIC; no person's token is ever a peer's (`Principal.role`)
PEER = "peer"
PEER_SCOPE_PREFIX = "tanhui-peers/"
MAX_JSON_DEPTH = 32

F = TypeVar("F", bound=Callable[..., Any])
_ALLOWED_ATTR = "__tanhui_allowed__"
_DEFAULT_ALLOWED: weakref.WeakKeyDictionary[APIGatewayHttpResolver, frozenset[str]] = (
    weakref.WeakKeyDictionary()
)


def _plain_digits(value: Any) -> Any:
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{1,9}", value):
        raise ValueError("send a whole number in plain digits")
    return value


# A page size in the query string: plain digits only ("1.0", "+5", " 5", "5_0" are refused).
# (The bound before the validator: that order puts it in the OpenAPI document too.)
PageLimit = Annotated[int, annotated_types.Interval(ge=1, le=100), BeforeValidator(_plain_digits), Query()]

# A path parameter naming something by its id: at most `limits.MAX_PATH_ID` characters (the id's
# own format is checked where it is looked up: an unknown one is that thing's 404).
PathId = Annotated[str, Path(min_length=1, max_length=limits.MAX_PATH_ID)]


# The `Idempotency-Key` header of a request that moves coins: required, so the OpenAPI says so and
# the web client's generated types cannot leave it out (tests/unit/test_coin_routes_need_a_key.py).
# A request without it answers 400 `invalid_idempotency_key`, as a malformed key does.
IDEMPOTENCY_HEADER = "idempotency-key"
MISSING_KEY = "Send an Idempotency-Key header (1 to 255 visible ASCII characters)."
_KEY_FORMAT: dict[str, Any] = {"min_length": 1, "max_length": 255, "pattern": r"^[\x21-\x7e]+$"}
IdempotencyKey = Annotated[str, Header(
    **_KEY_FORMAT,
    description="One key per intent of the caller (a fresh random one, e.g. a UUID), the same on "
    "every retry of that intent: a retry with the same key and body makes nothing new.",
)]
# The same header where it is optional (a route that moves no coins: a retry answers with what the
# first request made)
OptionalIdempotencyKey = Annotated[str | None, Header(**_KEY_FORMAT)]


def _only_the_idempotency_key(problems: Sequence[Any]) -> bool:
    """Only the `Idempotency-Key` header is missing or malformed: 400 `invalid_idempotency_key`,
    as `tanhui.idempotency` answers it."""
    return bool(problems) and all(tuple(p.get("loc", ())) == ("header", IDEMPOTENCY_HEADER) for p in problems)


# Powertools' own serializer, but leaving non-ASCII text as it is (UTF-8 on the wire).
to_json = functools.partial(json.dumps, separators=(",", ":"), ensure_ascii=False, cls=Encoder)
HTML = "text/html; charset=utf-8"


def prefers_html(accept: str | None) -> bool:
    """Whether an Accept header ranks text/html above application/json (a browser's
    `text/html,…,*/*;q=0.8` does; a missing header, `*/*` or `application/json` does not)."""
    quality: dict[str, float] = {}
    for part in (accept or "").split(","):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        media = media.lower()
        quality[media] = max(quality.get(media, 0.0), q)

    def rank(media: str) -> float:
        kind = media.split("/")[0]
        return quality.get(media, quality.get(f"{kind}/*", quality.get("*/*", 0.0)))

    html = quality.get("text/html", quality.get("application/xhtml+xml", 0.0))
    return html > 0 and html > rank("application/json")


def json_or_page(
    app: APIGatewayHttpResolver,
    load: Callable[[], Any],
    page: Callable[[Any], str],
    missing: tuple[type[Exception], Callable[[], str]] | None = None,
) -> Response:
    """A public check's answer by its `Accept` header: the JSON of `load()` (a model), or for a
    browser (`prefers_html`) the page `page(load())` a person reads, and with `missing` (the
    not-found error, its page) that page as a 404 rather than the JSON error. HEAD answers the
    status and headers only; `Vary: Accept` either way."""
    event = app.current_event
    head = event.request_context.http.method == "HEAD"
    if not prefers_html(event.headers.get("accept")):
        body = to_json(load().model_dump())
        return Response(200, JSON, "" if head else body, headers={"Vary": "Accept"})
    gone, gone_page = missing or ((), str)
    try:
        status, text = 200, page(load())
    except gone:
        status, text = 404, gone_page()
    headers = {"Vary": "Accept", "X-Content-Type-Options": "nosniff"}
    return Response(status, HTML, "" if head else text, headers=headers)


def error_body(code: str, message: str, request_id: str | None, details: Any = None) -> str:
    error: dict[str, Any] = {"code": code, "message": message[:errors.MAX_MESSAGE], "request_id": request_id}
    if details is not None:
        error["details"] = details[:errors.MAX_DETAILS] if isinstance(details, list) else details
    return json.dumps({"error": error}, ensure_ascii=False, default=str)


def error_response(
    status: int, code: str, message: str, request_id: str | None, details: Any = None,
    headers: dict[str, str] | None = None,
):
    return Response(status_code=status, content_type=JSON,
                    body=error_body(code, message, request_id, details), headers=headers)


def error_headers(exc: errors.TanhuiError) -> dict[str, str]:
    """`Retry-After` where waiting helps (`errors.TooManyRequests.retry_after`)."""
    retry_after = getattr(exc, "retry_after", None)
    return {"Retry-After": str(retry_after)} if retry_after else {}


# what AWS answers when it is busy or failing on its side, after the SDK's own retries
_DEPENDENCY_CODES = frozenset({"SlowDown", "ServiceUnavailable", "InternalError", "InternalFailure",
                               "InternalServerError", "ThrottlingException", "Throttling",
                               "RequestLimitExceeded", "ProvisionedThroughputExceededException",
                               "RequestThrottled", "TooManyRequestsException"})


UNAVAILABLE = "A service we depend on is busy; try again shortly."


def dependency_down(exc: BaseException | None) -> bool:
    """The exception (or one it was raised from) is an AWS service busy, failing or unreachable:
    nothing the caller did, and worth trying again shortly."""
    from botocore.exceptions import ClientError, HTTPClientError
    from botocore.exceptions import ConnectionError as BotoConnectionError

    seen = 0
    while exc is not None and seen < 8:
        if isinstance(exc, HTTPClientError | BotoConnectionError):
            return True
        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            return error.get("Code") in _DEPENDENCY_CODES or int(status or 0) >= 500
        exc, seen = getattr(exc, "cause", None) or exc.__cause__ or exc.__context__, seen + 1
    return False


def internal_error(exc: BaseException, request_id: str | None) -> tuple[int, str]:
    """The one answer to an exception nobody mapped: logged with its trace, 500 in our shape —
    or 503 `unavailable` when an AWS service we depend on was busy or failing (after retries)."""
    if dependency_down(exc):
        logger.warning("a service we depend on is unavailable", extra={
            "request_id": request_id, "error_type": type(exc).__name__, "error": str(exc)[:200]})
        return 503, error_body("unavailable", UNAVAILABLE, request_id)
    logger.exception(
        "unhandled error",
        exc_info=exc,
        extra={"request_id": request_id, "error_type": type(exc).__name__},
    )
    return 500, error_body("internal_error", "Something went wrong on our side.", request_id)


def install(
    app: APIGatewayHttpResolver, allow: Iterable[str] | None = None
) -> APIGatewayHttpResolver:
    """Adds the shared error handling to a handler module's resolver; `allow` is the roles its
    routes admit unless a route declares its own with `@allow(...)`."""
    if allow is not None:
        _DEFAULT_ALLOWED[app] = _roles(allow)
    app.configure_openapi(security_schemes=openapi.SECURITY_SCHEMES)

    def request_id() -> str | None:
        return app.current_event.request_context.request_id

    @app.exception_handler(errors.TanhuiError)
    def on_domain_error(exc: errors.TanhuiError):
        if exc.status >= 500:  # pragma: no cover - domain errors are 4xx by construction
            logger.error("domain error with server status", extra={"code": exc.code})
        return error_response(exc.status, exc.code, exc.message, request_id(), exc.details,
                              error_headers(exc))

    @app.exception_handler(RequestValidationError)
    def on_invalid_request(exc: RequestValidationError):
        problems = exc.errors()
        if _only_the_idempotency_key(problems):
            return on_domain_error(errors.InvalidIdempotencyKey(MISSING_KEY))
        details = errors.validation_details(problems, tags=request_models.union_tags())
        code, message = errors.coded_problem(problems) or ("validation_error", "The request is not valid.")
        return error_response(422, code, message, request_id(), details)

    @app.exception_handler(Exception)
    def on_unmapped(exc: Exception):
        status, body = internal_error(exc, request_id())
        return Response(status_code=status, content_type=JSON, body=body)

    @app.not_found
    def on_unknown_route(_exc: Exception):
        return error_response(404, "route_not_found", "No such route.", request_id())

    return app


# ------------------------------------------------------------------------------------- roles
def _roles(roles: Iterable[str]) -> frozenset[str]:
    declared = frozenset(roles)
    unknown = declared - set(ROLES) - {PUBLIC, PEER}
    if not declared or unknown or (declared & {PUBLIC, PEER} and len(declared) > 1):
        raise ValueError(f"declare PUBLIC or PEER alone or roles among {ROLES}, not {sorted(declared)}")
    return declared


def allow(*roles: str) -> Callable[[F], F]:
    """Declares who may call one route; place it under `@app.<method>(...)`."""
    declared = _roles(roles)

    def mark(func: F) -> F:
        setattr(func, _ALLOWED_ATTR, declared)
        return func

    return mark


def routes(app: APIGatewayHttpResolver) -> list[Route]:
    """Every route registered on the resolver, in the order it matches them."""
    return [*app._static_routes, *app._dynamic_routes]


def allowed_roles(app: APIGatewayHttpResolver, route: Route) -> frozenset[str] | None:
    """The roles `route` admits (its own declaration, else the resolver's), None if undeclared."""
    return getattr(route.func, _ALLOWED_ATTR, None) or _DEFAULT_ALLOWED.get(app)


def _route_of(app: APIGatewayHttpResolver, event: dict[str, Any]) -> Route | None:
    """The route the resolver will run for `event`, matched the way it matches."""
    method = str(((event.get("requestContext") or {}).get("http") or {}).get("method", "")).upper()
    path = event.get("rawPath") or "/"
    for route in routes(app):
        if route.method == method and route.rule.match(path):
            return route
    return None


def _authorise(app: APIGatewayHttpResolver, route: Route, event: dict[str, Any]) -> None:
    allowed = allowed_roles(app, route)
    if allowed is None:
        raise RuntimeError(f"route {route.method} {route.path} declares no roles")
    if PUBLIC in allowed:
        return
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    require_role(principal_of(authorizer.get("jwt", {}).get("claims")), *allowed)


# ---------------------------------------------------------------------------------- bodies
def _reject_value(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 parses as infinity
        raise ValueError(f"{text[:20]} is out of range")
    return value


def _too_deep(value: Any) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return True
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _unparseable(body: str) -> str | None:
    """Why the JSON body cannot be handed to the resolver, or None if it can."""
    try:
        value = json.loads(body, parse_constant=_reject_value, parse_float=_finite)
    except RecursionError:
        return "The JSON is nested too deeply."
    except json.JSONDecodeError as exc:
        return f"The body is not valid JSON: {exc.msg} at position {exc.pos}."
    except ValueError as exc:  # NaN/Infinity, 1e400, or an integer too long to convert
        return f"The body is not acceptable JSON: {str(exc).split(';')[0]}."
    if not isinstance(value, dict):  # Powertools would take a list's first item for the model
        return "The body must be a JSON object."
    if _too_deep(value):
        return f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep."
    return None


def _reject(event: dict[str, Any], max_body_bytes: int | None = None) -> errors.TanhuiError | None:
    """Checks before the resolver parses the body: size (413; the function's own limit, else the
    settings'), content type (415), UTF-8 and JSON that Python and pydantic can take (422)."""
    body = event.get("body")
    if not body:
        return None
    size = len(body) * 3 // 4 if event.get("isBase64Encoded") else len(body.encode())
    if size > (max_body_bytes or get_settings().max_body_bytes):
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
    problem = _unparseable(event["body"])
    if problem is not None:
        return errors.Unprocessable(
            "The request is not valid.", details=[{"field": "", "problem": problem}]
        )
    return None


def document_routes(app: APIGatewayHttpResolver) -> None:
    """Adds to each route's OpenAPI entry what its roles imply (`tanhui.openapi.document`)."""
    for route in routes(app):
        roles = allowed_roles(app, route) or frozenset()
        protected = bool(roles) and PUBLIC not in roles
        openapi.document(route, roles, protected=protected, any_role=roles >= set(ROLES))


def lambda_handler(
    app: APIGatewayHttpResolver, *, max_body_bytes: int | None = None
) -> Callable[[dict[str, Any], LambdaContext], dict]:
    """The function's handler; call it once, after the module has registered its routes.
    `max_body_bytes`: a larger body limit for this function's routes (a peer's 1,000 keys)."""
    document_routes(app)

    @log_invocations(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        request_id = (event.get("requestContext") or {}).get("requestId")
        headers = {"Content-Type": JSON}
        try:
            route = _route_of(app, event)
            if route is not None:
                _authorise(app, route, event)
            rejected = _reject(event, max_body_bytes)
            if rejected is not None:
                raise rejected
            return app.resolve(event, context)
        except errors.TanhuiError as exc:
            status, body = exc.status, error_body(exc.code, exc.message, request_id, exc.details)
            headers.update(error_headers(exc))
        except Exception as exc:
            status, body = internal_error(exc, request_id)
        return {
            "statusCode": status,
            "headers": headers,
            "body": body,
            "isBase64Encoded": False,
        }

    return handler


# ---------------------------------------------------------------------------------- principal
@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, as the JWT authorizer verified it (API Gateway or the local gateway)."""

    user_id: str
    groups: frozenset[str]
    scopes: frozenset[str] = frozenset()

    @property
    def role(self) -> str:
        if any(s.startswith(PEER_SCOPE_PREFIX) for s in self.scopes):
            return PEER  # a client-credentials token: a machine, never a person
        if "regulator" in self.groups:  # read-only wins: a regulator is never also an operator
            return "regulator"
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


def principal_of(claims: dict[str, Any] | None) -> Principal:
    claims = claims or {}
    if not claims.get("sub") or claims.get("token_use", "access") != "access":
        raise errors.Unauthorized()
    return Principal(user_id=claims["sub"], groups=parse_groups(claims.get("cognito:groups")),
                     scopes=frozenset(str(claims.get("scope") or "").split()))


def principal(app: APIGatewayHttpResolver) -> Principal:
    return principal_of(app.current_event.request_context.authorizer.jwt_claim)


def require_role(who: Principal, *roles: str) -> Principal:
    if who.role not in roles:
        raise errors.Forbidden()
    return who
