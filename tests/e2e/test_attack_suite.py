"""The standing attack suite, over HTTP on the local gateway (issue 9): generated requests for
every documented route with a token of each role, and hostile bodies on every JSON route.
Nothing may answer 5xx, and every error must come in the one JSON error shape."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from tests.e2e import remote
from tests.support import unique_phone

# against a deployed stack (`make e2e-remote`) the hostile bodies and the double slash run; the rest:
FUZZES = pytest.mark.local_only("fuzzes every route with generated bodies: what it makes on a stack "
                                "cannot be told apart or undone")
LOCAL_GATEWAY = pytest.mark.local_only("checks what the local gateway answers in HTTP API's place, "
                                       "or patches its functions")
IN_MOTO = pytest.mark.local_only("writes the ledger, wallets or registry in moto's table")

# Generated examples per route and role: enough to walk every schema branch in about a minute.
EXAMPLES = 15


@pytest.fixture(scope="module")
def role_tokens(http, admin) -> dict[str, str | None]:
    """An access token of each role, and no token at all."""
    phone, password = unique_phone(), "green-trip-2026"
    consent = {"version": "2026-11", "accepted": True}
    status, body, _ = http.post(
        "/v1/auth/register",
        {"phone": phone, "password": password, "display_name": "攻击者", "consent": consent},
    )
    assert status == 201, body
    tourist = body["tokens"]["access_token"]
    status, partner, _ = http.post(
        "/v1/admin/partners",
        {"name": f"attack {uuid.uuid4().hex[:6]}", "role": "hotel", "contact": {}},
        token=admin.access_token,
    )
    assert status == 201, partner
    staff = {"phone": unique_phone(), "password": "partner-pass-1", "display_name": "Desk"}
    status, _, _ = http.post(
        f"/v1/admin/partners/{partner['partner_id']}/users", staff, token=admin.access_token
    )
    assert status == 201
    status, tokens, _ = http.post(
        "/v1/auth/login", {"phone": staff["phone"], "password": staff["password"]}
    )
    assert status == 200
    return {
        "anonymous": None,
        "tourist": tourist,
        "partner": tokens["access_token"],
        "admin": admin.access_token,
        "regulator": remote.regulator(http).access_token,
        "peer": _peer_token(http, admin),
    }


def _peer_token(http: Any, admin: Any) -> str:
    """A peer platform's client-credentials token (the token endpoint of infra.local.moto_cognito;
    a deployed stack's at the peer's `token_url`)."""
    from infra.local import moto_cognito

    body = {"peer_id": f"attack-{uuid.uuid4().hex[:8]}", "name": "攻击平台", "per_minute": 100_000}
    status, peer, _ = http.post("/v1/admin/peers", body, token=admin.access_token)
    assert status == 201, peer
    if remote.remote():
        return remote.peer_token(peer)
    status, granted = moto_cognito.client_credentials_token(
        peer["client_id"], peer["client_secret"], "client_credentials", None)
    assert status == 200, granted
    return str(granted["access_token"])


def assert_error_shape(status: int, content_type: str, raw: bytes, context: Any) -> None:
    assert status < 500, (status, raw[:300], context)
    if status < 400:
        return
    if remote.remote() and status in (401, 404, 413) and raw.startswith(b'{"message"'):
        return  # HTTP API's own answer (the authorizer, no route, too large), before any function
    assert content_type.startswith("application/json"), (status, content_type, raw[:200], context)
    error = json.loads(raw)["error"]
    assert isinstance(error["code"], str) and error["code"], (error, context)
    assert isinstance(error["message"], str) and "request_id" in error, (error, context)


# ------------------------------------------------------------------ generated from OpenAPI
def operations(http) -> list[Any]:
    status, doc, _ = http.get("/openapi.json")
    assert status == 200
    for item in doc["paths"].values():  # generated from the schemas alone: the request examples
        for operation in item.values():  # are the sample events (fixed phone numbers), which
            for media in (operation.get("requestBody") or {}).get("content", {}).values():
                media.pop("examples", None)  # test_sample_events sends on a fresh state
    return [result.ok() for result in schemathesis.openapi.from_dict(doc).get_all_operations()]


def fuzz(op: Any, base_url: str, role_tokens: dict[str, str | None]) -> Any:
    """A hypothesis test of one operation: each generated request sent with each role's token."""
    html_page = op.path.startswith(("/Q/", "/01/"))  # the landing pages answer HTML by design

    @given(case=op.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        for role, token in role_tokens.items():
            if role == "regulator" and not case.path.startswith("/v1/regulator/"):
                continue  # refused everywhere else before anything is read (the matrix, the hostile bodies)
            if (role == "peer") != case.path.startswith("/v1/peers/"):
                continue  # a peer's token passes only the peers' authorizer, and only it does
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            response = case.call(base_url=base_url, headers=headers)
            content_type = (response.headers.get("content-type") or [""])[0]  # lowercase, lists
            context = (role, case.method, case.formatted_path, case.query, case.body)
            if case.method.upper() == "HEAD" or (html_page and content_type.startswith("text/html")):
                assert response.status_code < 500, context
                continue
            assert_error_shape(response.status_code, content_type, response.content, context)

    return run


@FUZZES
def test_given_generated_requests_of_every_role_then_no_5xx_and_errors_in_one_shape(
    http, local_stack, role_tokens
):
    # schemathesis's pytest plugin does not run under pytest 9: its strategies are driven here
    ops = operations(http)
    assert len(ops) >= 25, [op.label for op in ops]
    for op in ops:
        fuzz(op, local_stack.url, role_tokens)()


# ------------------------------------------------------------------------ hostile bodies
HOSTILE = {
    "1000 nested [": b"[" * 1000,
    "1000 nested {": b'{"a":' * 1000 + b"1" + b"}" * 1000,
    "5000-digit number": b'{"count": ' + b"9" * 5000 + b"}",
    "5000-digit exponent": b'{"count": 1e' + b"9" * 5000 + b"}",
    "NaN": b'{"count": NaN}',
    "invalid UTF-8": b'{"name": "\xff\xfe\xc3"}',
    "array for object": b"[{}]",
    "arrays in every field": b'{"phone": [], "consent": [], "attributes": [], "contact": [], "count": []}',
    "string for object": b'"x"',
}
TEN_MB = b'{"pad": "' + b"x" * (10 * 1024 * 1024 - 12) + b'"}'


# who may call a route, by path (the role its body is read for)
CALLER_BY_PREFIX = [
    ("/v1/admin", "admin"), ("/v1/partner", "partner"), ("/v1/peers", "peer"), ("/v1/auth", "anonymous"),
    ("/", "tourist")
]


def json_routes(http) -> list[tuple[str, str]]:
    """Every documented operation that takes a JSON body, path parameters filled in."""
    status, doc, _ = http.get("/openapi.json")
    assert status == 200
    routes = []
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            if "application/json" in (operation.get("requestBody") or {}).get("content", {}):
                concrete = path
                for part in [p for p in path.split("/") if p.startswith("{")]:
                    concrete = concrete.replace(part, "ABCDEF")
                routes.append((method.upper(), concrete))
    return routes


def test_given_hostile_bodies_on_every_json_route_and_role_then_4xx_json_errors(http, role_tokens):
    routes = json_routes(http)
    assert len(routes) >= 12, routes  # register, login, … partner users: every JSON route
    for method, path in routes:
        caller = next(r for prefix, r in CALLER_BY_PREFIX if path.startswith(prefix))
        for role, token in role_tokens.items():
            for name, raw in HOSTILE.items():
                status, body, headers = http.request(method, path, raw, token=token)
                raw_body = json.dumps(body).encode() if isinstance(body, dict) else body
                assert_error_shape(status, headers.get("Content-Type", ""), raw_body, (role, path, name))
                assert 400 <= status < 500, (role, method, path, name, status, body)
                if role == caller:  # the body was read: refused for what it is, not who sent it
                    assert status in (400, 422), (role, method, path, name, status, body)


@LOCAL_GATEWAY
def test_given_a_10_mb_body_on_every_json_route_then_413_json(http, role_tokens):
    for method, path in json_routes(http):
        role = next(r for prefix, r in CALLER_BY_PREFIX if path.startswith(prefix))
        token = role_tokens[role]
        status, body, _ = http.request(method, path, TEN_MB, token=token)
        assert (status, body["error"]["code"]) == (413, "payload_too_large"), (path, status)


# ------------------------------------------------------------------------- the gateway itself
@LOCAL_GATEWAY
def test_given_a_100_kb_authorization_header_then_431_json_not_html(http):
    for size in (100 * 1024, 20 * 1024):  # over the HTTP server's line limit; over HTTP API's 10 KB
        status, body, headers = http.get("/v1/me", headers={"Authorization": "Bearer " + "A" * size})
        assert status == 431 and headers["Content-Type"].startswith("application/json"), (size, body)
        assert body["error"]["code"] == "headers_too_large"


def _raw(url: str, request: bytes, timeout: float = 5.0) -> bytes:
    """A request written by hand to the gateway's socket; what it answers within `timeout`."""
    import socket
    from urllib.parse import urlsplit

    where = urlsplit(url)
    with socket.create_connection((where.hostname, where.port), timeout=timeout) as s:
        s.sendall(request)
        s.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    return answer


@LOCAL_GATEWAY
def test_given_a_chunked_request_with_a_plain_body_then_400_at_once_not_a_hang(local_stack):
    body = b'{"phone": "+8613800138000", "password": "x"}'
    head = (b"POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
    answer = _raw(local_stack.url, head + body)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert b'"code": "bad_request"' in answer


def test_given_a_path_with_a_double_slash_then_404_as_api_gateway_answers(http, role_tokens):
    status, body, _ = http.get("//v1/me", token=role_tokens["tourist"])
    assert status == 404 and remote.gateway_error(body, "route_not_found"), body
    assert http.get("/v1/me", token=role_tokens["tourist"])[0] == 200


@LOCAL_GATEWAY
def test_given_a_handler_answering_500_then_gateway_passes_its_body_through(http, role_tokens):
    from unittest import mock

    with mock.patch("tanhui.identity.users.profile", side_effect=KeyError("boom")):
        status, body, _ = http.get("/v1/me", token=role_tokens["tourist"])
    assert status == 500 and body["error"]["code"] == "internal_error" and body["error"]["request_id"]
    assert "boom" not in json.dumps(body)


@LOCAL_GATEWAY
def test_given_a_crashed_function_then_gateway_answers_what_api_gateway_does(
    http, role_tokens, local_stack
):
    from unittest import mock

    function = local_stack.gateway.functions["IdentityFunction"]
    with mock.patch.object(function, "invoke", side_effect=MemoryError("the container died")):
        status, body, _ = http.get("/v1/me", token=role_tokens["tourist"])
    assert (status, body) == (500, {"message": "Internal Server Error"})


# ------------------------------------------------------------------------ coin routes
@IN_MOTO
def test_given_hostile_buyback_offers_then_no_coin_is_minted_and_none_sold_twice(http, role_tokens, admin):
    """A tourist holding 10 coins earned from transit trips: amounts that could mint coins
    (negative, zero, fractions, text, huge) are refused, and 20 offers of 1 coin raced into two
    rounds at once (each buys the same behaviour) sell at most the 10 coins, each once."""
    from concurrent.futures import ThreadPoolExecutor
    from datetime import UTC, datetime, timedelta

    from tanhui.models.wallet import Wallet

    from tests.factories import ledger_record

    def at(days: int) -> str:
        return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")

    token = role_tokens["tourist"]
    me = http.get("/v1/me", token=token)[1]["user_id"]
    ledger_record(me, "transit_trip", coins=10, gco2e=100, occurred_at=at(0))
    Wallet(*Wallet.key(me)).update(actions=[Wallet.coins.add(10)])
    body = {"title_zh": "攻击回购", "title_en": "Attack buyback", "price_fen": 1, "budget_fen": 10**6,
            "opens_at": at(-1), "closes_at": at(1), "behaviours": ["transit_trip"]}
    rounds = [http.post("/v1/admin/buyback-rounds", body, token=admin.access_token)[1]["round_id"]
              for _ in range(2)]
    for coins in (-5, 0, 0.5, "3", 10**12, None, [1], {"n": 1}):
        status, reply, _ = http.post(f"/v1/buyback-rounds/{rounds[0]}/offers", {"coins": coins}, token=token,
                                     headers={"Idempotency-Key": str(uuid.uuid4())})
        assert (status, reply["error"]["code"]) == (422, "validation_error"), (coins, reply)

    def offer(n: int) -> int:
        return http.post(f"/v1/buyback-rounds/{rounds[n % 2]}/offers", {"coins": 1}, token=token,
                         headers={"Idempotency-Key": str(uuid.uuid4())})[0]

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(offer, range(20)))
    assert set(statuses) <= {201, 409}, statuses
    sold = [e for e in http.get("/v1/me/ledger?limit=100", token=token)[1]["items"] if e["kind"] == "buyback"]
    per_round = [sum(-e["coins"] for e in sold if e["evidence"]["round_id"] == r) for r in rounds]
    wallet = http.get("/v1/me/wallet", token=token)[1]["coins"]
    assert statuses.count(201) == len(sold) == sum(per_round) <= 10
    assert all(n <= 10 for n in per_round) and wallet == 10 - sum(per_round) >= 0


# ------------------------------------------------------------------------ registry routes
@IN_MOTO
def test_given_hostile_registry_requests_then_no_unit_is_minted_and_none_retired_twice(http, admin):
    """An event holding 6 units: counts that could mint units (negative, zero, fractions, text,
    huge) are refused; 16 retirements of 1 unit raced at once retire at most the 6 units, each
    once, and Σ issued = Σ held + Σ retired after."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.integration.registry_support import export, fresh_day, invariant, records_on

    day = fresh_day()
    records_on(day, [1_000] * 6)
    status, issued, _ = http.post("/v1/admin/registry/issuances", {"export_id": export(day)},
                                  token=admin.access_token)
    assert status == 201, issued
    status, event, _ = http.post("/v1/admin/partners", {"name": "攻击论坛", "role": "event", "contact": {}},
                                 token=admin.access_token)
    staff = {"phone": unique_phone(), "password": "partner-pass-1", "display_name": "Desk"}
    made = http.post(f"/v1/admin/partners/{event['partner_id']}/users", staff, token=admin.access_token)
    assert made[0] == 201, made
    token = http.post("/v1/auth/login", {"phone": staff["phone"], "password": staff["password"]})[1][
        "access_token"]
    moved = {"from": "PLATFORM", "to": event["partner_id"], "units": 6, "reason": "攻击"}
    status, reply, _ = http.post("/v1/admin/registry/transfers", moved, token=admin.access_token,
                                 headers={"Idempotency-Key": str(uuid.uuid4())})
    assert status == 201, reply
    body = {"units": 1, "beneficiary": "攻击", "purpose": "攻击",
            "emission": {"kind": "trip", "description": "x"}}
    for units in (-5, 0, 0.5, "3", 10**12, None, [1], {"n": 1}):
        status, reply, _ = http.post("/v1/partner/registry/retirements", body | {"units": units}, token=token,
                                     headers={"Idempotency-Key": str(uuid.uuid4())})
        assert (status, reply["error"]["code"]) == (422, "validation_error"), (units, reply)

    def retire(_: int) -> int:
        return http.post("/v1/partner/registry/retirements", body, token=token,
                         headers={"Idempotency-Key": str(uuid.uuid4())})[0]

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(retire, range(16)))
    assert set(statuses) <= {201, 409}, statuses
    account = http.get("/v1/partner/registry/account", token=token)[1]["account"]
    assert statuses.count(201) == account["retired_units"] <= 6
    assert account["held_units"] == 6 - account["retired_units"]
    invariant()
