"""The shared HTTP layer: one error shape, transport guards, principal parsing."""

import io
import json

import pytest
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from pydantic import BaseModel
from tanhui import api, errors

from infra.local.events import http_event
from infra.local.functions import LambdaContext

app = APIGatewayHttpResolver(enable_validation=True, serializer=api.to_json)
api.install(app, allow=api.ROLES)


class Thing(BaseModel):
    name: str


@app.post("/things")
@api.allow(api.PUBLIC)
def create(body: Thing) -> dict:
    if body.name == "taken":
        raise errors.PhoneTaken()
    return {"name": body.name}


@app.get("/whoami")
def whoami() -> dict:
    who = api.principal(app)
    return {"user": who.user_id, "role": who.role}


@app.post("/admin-things")
@api.allow("admin")
def create_admin_thing(body: Thing) -> dict:
    return {"name": body.name}


@app.get("/boom")
def boom() -> dict:
    raise KeyError("nobody mapped this")


handler = api.lambda_handler(app)

undeclared = APIGatewayHttpResolver(enable_validation=True)
api.install(undeclared)


@undeclared.get("/open")
def forgotten() -> dict:
    return {"open": True}


def call(
    method, path, body=None, content_type="application/json", claims=None, raw=None, via=None
):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    event = http_event(
        method,
        path,
        route_key=f"{method} {path}",
        headers={"content-type": content_type},
        body=data,
        claims=claims,
    )
    result = (via or handler)(event, LambdaContext("test"))
    return result["statusCode"], json.loads(result["body"])


def test_given_valid_body_when_posted_then_route_answers():
    assert call("POST", "/things", {"name": "bamboo"}) == (200, {"name": "bamboo"})


def test_given_domain_error_when_raised_then_stable_code_and_request_id():
    status, body = call("POST", "/things", {"name": "taken"})
    assert status == 409
    assert body["error"]["code"] == "phone_taken"
    assert body["error"]["request_id"]


def test_given_invalid_body_when_posted_then_422_with_field_details():
    status, body = call("POST", "/things", {"nom": "x"})
    assert status == 422
    assert body["error"]["code"] == "validation_error"
    assert body["error"]["details"][0]["field"] == "name"


def test_given_malformed_json_when_posted_then_422_not_500():
    status, body = call("POST", "/things", raw=b"{not json")
    assert status == 422 and body["error"]["code"] == "validation_error"


def test_given_wrong_content_type_when_posted_then_415():
    status, body = call("POST", "/things", raw=b"name=x", content_type="text/plain")
    assert status == 415 and body["error"]["code"] == "unsupported_media_type"


def test_given_oversized_body_when_posted_then_413():
    status, body = call("POST", "/things", {"name": "x" * 70_000})
    assert status == 413 and body["error"]["code"] == "payload_too_large"


def test_given_unknown_route_then_404_in_error_shape():
    status, body = call("GET", "/nowhere")
    assert status == 404 and body["error"]["code"] == "route_not_found"


def test_given_no_claims_when_principal_needed_then_401():
    status, body = call("GET", "/whoami")
    assert status == 401 and body["error"]["code"] == "unauthorized"


def test_given_id_token_claims_then_refused():
    status, _ = call("GET", "/whoami", claims={"sub": "u1", "token_use": "id"})
    assert status == 401


@pytest.mark.parametrize(
    ("groups", "role"),
    [
        (None, "tourist"),
        (["partner"], "partner"),
        ("[admin partner]", "admin"),
        ("[]", "tourist"),
    ],
)
def test_given_groups_claim_in_any_form_then_role_resolved(groups, role):
    claims = {"sub": "u1", "token_use": "access"}
    if groups is not None:
        claims["cognito:groups"] = groups
    assert call("GET", "/whoami", claims=claims) == (200, {"user": "u1", "role": role})


def test_require_role_refuses_other_roles():
    with pytest.raises(errors.Forbidden):
        api.require_role(api.Principal("u", frozenset()), "admin")


# ------------------------------------------------------------------ bodies no parser survives
@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 1000,  # RecursionError in json.loads
        b'{"name": "x", "n": ' + b"7" * 5000 + b"}",  # ValueError: more than 4,300 digits
        b'{"name": NaN}',
        b'{"name": Infinity}',
        b'{"name": "x", "n": 1e400}',  # parses as infinity
        b'{"name": "x", "deep": ' + b"[" * 40 + b"]" * 40 + b"}",  # valid JSON, absurdly deep
        b'[{"name": "x"}]',  # Powertools would validate the first item as the body
        b'"x"',
    ],
    ids=["1000-nested", "5000-digits", "nan", "infinity", "1e400", "40-deep", "array", "string"],
)
def test_given_body_python_cannot_take_when_posted_then_422_json_not_500(raw):
    status, body = call("POST", "/things", raw=raw)
    assert status == 422, body
    assert body["error"]["code"] == "validation_error"
    assert body["error"]["request_id"] and body["error"]["details"]


def test_given_nesting_within_the_limit_then_body_reaches_the_model():
    nested = b'{"name": "x", "deep": ' + b"[" * 20 + b"]" * 20 + b"}"
    status, body = call("POST", "/things", raw=nested)
    assert (status, body) == (200, {"name": "x"})


# ------------------------------------------------------------------------- unmapped errors
def test_given_unmapped_exception_then_500_internal_error_logged_with_request_id(monkeypatch):
    from tanhui.observability import logger

    stream = io.StringIO()
    monkeypatch.setattr(logger.registered_handler, "stream", stream)
    status, body = call("GET", "/boom", claims={"sub": "u1", "token_use": "access"})
    assert status == 500
    assert body["error"]["code"] == "internal_error"
    request_id = body["error"]["request_id"]
    assert request_id and "nobody mapped this" not in json.dumps(body)
    logged = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    assert any(
        r.get("request_id") == request_id and "KeyError" in r.get("exception", "") for r in logged
    ), logged


# ------------------------------------------------------------------ roles before the body
TOURIST = {"sub": "u1", "token_use": "access"}
ADMIN = {"sub": "u2", "token_use": "access", "cognito:groups": "[admin]"}


def test_given_tourist_posts_incomplete_body_to_admin_route_then_403_not_422():
    status, body = call("POST", "/admin-things", {"nom": "x"}, claims=TOURIST)
    assert (status, body["error"]["code"]) == (403, "forbidden")


def test_given_anonymous_posts_garbage_to_admin_route_then_401_before_parsing():
    status, body = call("POST", "/admin-things", raw=b"[" * 1000)
    assert (status, body["error"]["code"]) == (401, "unauthorized")


def test_given_admin_posts_incomplete_body_then_422_with_details():
    status, body = call("POST", "/admin-things", {"nom": "x"}, claims=ADMIN)
    assert (status, body["error"]["code"]) == (422, "validation_error")


def test_given_route_without_declared_roles_then_refused_even_to_admin():
    status, body = call("GET", "/open", claims=ADMIN, via=api.lambda_handler(undeclared))
    assert (status, body["error"]["code"]) == (500, "internal_error")


@pytest.mark.parametrize("roles", [(), ("root",), (api.PUBLIC, "admin")])
def test_given_meaningless_role_declaration_then_refused_at_import(roles):
    with pytest.raises(ValueError):
        api.allow(*roles)


def test_given_chinese_text_when_answered_then_body_is_readable_utf8_not_escaped():
    event = http_event("POST", "/things", route_key="POST /things",
                       headers={"content-type": "application/json"}, body='{"name": "丹霞山"}'.encode())
    result = handler(event, LambdaContext("test"))
    assert result["body"] == '{"name":"丹霞山"}'
