"""The shared HTTP layer: one error shape, transport guards, principal parsing."""

import json

import pytest
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from pydantic import BaseModel
from tanhui import api, errors

from infra.local.events import http_event
from infra.local.functions import LambdaContext

app = APIGatewayHttpResolver(enable_validation=True)
api.install(app)


class Thing(BaseModel):
    name: str


@app.post("/things")
def create(body: Thing) -> dict:
    if body.name == "taken":
        raise errors.PhoneTaken()
    return {"name": body.name}


@app.get("/whoami")
def whoami() -> dict:
    who = api.principal(app)
    return {"user": who.user_id, "role": who.role}


handler = api.lambda_handler(app)


def call(method, path, body=None, content_type="application/json", claims=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    event = http_event(
        method,
        path,
        route_key=f"{method} {path}",
        headers={"content-type": content_type},
        body=data,
        claims=claims,
    )
    result = handler(event, LambdaContext("test"))
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
