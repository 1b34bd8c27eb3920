"""The OpenAPI document DocsFunction serves is the truth about the API: it validates, lists exactly
the template's routes, and documents security, statuses, errors and examples as the routes behave."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.params import Body
from openapi_spec_validator import validate
from tanhui import api, errors, openapi
from tanhui.request_models import RequestModel

from infra.local import cfn
from infra.local.functions import LambdaContext, load_module

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = cfn.load_template()
ROUTES = cfn.http_routes(TEMPLATE)
ERROR_REF = "#/components/schemas/ErrorResponse"
THROTTLED_REF = "#/components/schemas/GatewayThrottled"


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    docs = load_module(cfn.functions(TEMPLATE)["DocsFunction"])
    event = json.loads((ROOT / "events/docs/openapi.json").read_text())
    reply = docs.lambda_handler(event, LambdaContext("DocsFunction"))
    assert reply["statusCode"] == 200, reply["body"][:500]
    return json.loads(reply["body"])


def operations(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{method.upper()} {path}": operation
        for path, item in doc["paths"].items()
        for method, operation in item.items()
    }


def test_given_the_served_document_then_it_validates_against_the_openapi_schema(doc):
    validate(doc)  # raises on the first violation
    assert doc["openapi"].startswith("3.1")


def test_given_template_routes_then_each_is_documented_and_nothing_else_is(doc):
    in_template = {route.route_key for route in ROUTES}
    documented = set(operations(doc))
    assert in_template - documented == set(), "routes with no OpenAPI entry (include_in_schema?)"
    assert documented - in_template == set(), "documented routes template.yaml does not declare"


def test_given_routes_then_protected_ones_need_the_bearer_jwt_with_roles_and_public_ones_nothing(doc):
    scheme = doc["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"], scheme["bearerFormat"]) == ("http", "bearer", "JWT")
    assert "RFC8725" in scheme["description"]
    assert "security" not in doc  # no global requirement: each operation says
    ops = operations(doc)
    for route in ROUTES:
        operation = ops[route.route_key]
        if route.authorized:
            [requirement] = operation.get("security")
            roles = requirement["bearerAuth"]
            assert roles and set(roles) <= {*api.ROLES, api.PEER} and roles == sorted(roles), route.route_key
            assert f"Roles: {', '.join(roles)}." in operation["description"], route.route_key
            assert {"401", "500"} <= set(operation["responses"]), route.route_key
        else:
            assert operation["security"] == [{}], route.route_key  # no token, on purpose
            assert "`unauthorized`" not in json.dumps(operation["responses"]), route.route_key


def test_given_every_operation_then_it_has_a_summary_and_a_description_of_its_own(doc):
    for key, operation in operations(doc).items():
        path = key.split(" ", 1)[1]
        summary, description = operation.get("summary", ""), operation.get("description", "")
        assert summary and path not in summary and not summary.startswith(("GET ", "POST ")), key
        assert len(description.split("\n\nRoles:")[0]) >= 30, key


@pytest.mark.parametrize(
    ("route_key", "statuses"),
    [
        ("POST /v1/claims", {"201", "200"}),
        ("POST /v1/auth/register", {"201", "200"}),
        ("POST /v1/admin/partners", {"201", "200"}),
        ("POST /v1/partner/code-batches", {"202", "200"}),
        ("POST /v1/partner/assets", {"201"}),
        ("PUT /v1/admin/factors/{behaviour}", {"201"}),
        ("GET /v1/me/wallet", {"200"}),
    ],
)
def test_given_a_route_then_its_real_success_statuses_are_documented(doc, route_key, statuses):
    responses = operations(doc)[route_key]["responses"]
    assert {s for s in responses if s.startswith("2")} == statuses


def test_given_every_error_response_then_it_is_our_error_body_with_one_example_per_code(doc):
    assert "HTTPValidationError" not in json.dumps(doc) and '"detail"' not in json.dumps(doc)
    error = doc["components"]["schemas"]["ErrorBody"]
    assert {"code", "message", "request_id"} <= set(error["required"])
    for key, operation in operations(doc).items():
        for status, response in operation["responses"].items():
            if int(status) < 400 or "text/html" in response.get("content", {}):
                continue
            media = response["content"]["application/json"]
            examples = dict(media["examples"])
            if status == "429":
                assert media["schema"]["anyOf"] == [{"$ref": ERROR_REF}, {"$ref": THROTTLED_REF}], key
                assert examples.pop(openapi.THROTTLED)["value"] == {"message": "Too Many Requests"}
            else:
                assert media["schema"] == {"$ref": ERROR_REF}, (key, status)
            for code, example in examples.items():
                assert example["value"]["error"]["code"] == code, (key, status)
                assert f"`{code}`" in response["description"], (key, status)


def test_given_the_claim_route_then_its_domain_codes_are_documented_under_their_status(doc):
    responses = operations(doc)["POST /v1/claims"]["responses"]
    codes = {s: set(r["content"]["application/json"]["examples"]) for s, r in responses.items() if s >= "4"}
    assert {"invalid_code", "out_of_area", "location_required", "validation_error"} <= codes["422"]
    assert {"code_expired", "code_revoked"} <= codes["410"]
    assert {"already_claimed", "busy"} <= codes["409"]
    assert codes["429"] == {"daily_cap_reached", openapi.THROTTLED}
    # the cap's day is full: waiting does not help; the edge firewall's per-IP limit sends Retry-After
    too_many = responses["429"]
    assert openapi.EDGE_429 in too_many["description"] and "Retry-After" in too_many["headers"]
    assert codes["403"] == {"forbidden", "consent_required", "consent_withdrawn"}
    assert {"unauthorized"} == codes["401"] and {"internal_error"} == codes["500"]
    assert {"payload_too_large"} == codes["413"] and {"unsupported_media_type"} == codes["415"]


def test_given_the_certificate_routes_then_the_pdf_is_application_pdf_and_the_check_public(doc):
    ops = operations(doc)
    pdf, check = ops["GET /v1/me/certificate.pdf"], ops["GET /v1/certificates/{certificate_id}"]
    assert set(pdf["responses"]["200"]["content"]) == {"application/pdf"}
    assert {p["name"] for p in pdf["parameters"]} == {"period"}
    assert set(pdf["responses"]["400"]["content"]["application/json"]["examples"]) == {"invalid_period"}
    assert {"no_credits_in_period", "profile_not_found"} <= set(
        pdf["responses"]["404"]["content"]["application/json"]["examples"])
    assert check["security"] == [{}] and "401" not in check["responses"]
    not_found = check["responses"]["404"]["content"]["application/json"]["examples"]
    assert set(not_found) == {"certificate_not_found"}


def test_given_sample_events_with_a_body_then_each_is_an_example_of_its_route(doc):
    ops = operations(doc)
    found = 0
    for file in sorted((ROOT / "events").glob("*/*.json")):
        event = json.loads(file.read_text())
        if not event.get("body") or event.get("routeKey") not in ops:
            continue
        media = ops[event["routeKey"]]["requestBody"]["content"]["application/json"]
        assert media["examples"][file.stem]["value"] == json.loads(event["body"]), file.name
        found += 1
    assert found >= 8



class ThingIn(RequestModel):
    name: str


def test_given_a_new_route_then_its_roles_and_parameters_complete_its_declared_errors():
    app = APIGatewayHttpResolver(enable_validation=True)
    api.install(app, allow=("partner",))

    @app.post("/things", summary="Make a thing", description="Makes a thing for the partner.",
              responses=openapi.responses(201, "Made.", raises=[(errors.Conflict, "busy")]))
    def make(body: Annotated[ThingIn, Body()]) -> dict:
        return {}

    @app.get("/things/public", summary="Public things", description="Anyone may list them.")
    @api.allow(api.PUBLIC)
    def public() -> dict:
        return {}

    @app.get("/me/things", summary="My things", description="Any signed-in user's things.")
    @api.allow(*api.ROLES)
    def mine() -> dict:
        return {}

    api.lambda_handler(app)
    made, listed, own = api.routes(app)[0], api.routes(app)[1], api.routes(app)[2]
    codes = {status: openapi.documented_codes(made, status) for status in made.responses}
    assert codes == {
        201: set(), 400: {"bad_request"}, 401: {"unauthorized"}, 403: {"forbidden"}, 409: {"busy"},
        413: {"payload_too_large"}, 415: {"unsupported_media_type"}, 422: {"validation_error"},
        429: {openapi.THROTTLED}, 500: {"internal_error"}, 503: {"unavailable"},
    }
    assert made.security == [{"bearerAuth": ["partner"]}] and made.description.endswith("Roles: partner.")
    assert set(listed.responses) == {200, 429, 500, 503} and listed.security == [{}]
    assert set(own.responses) == {200, 401, 429, 500, 503}  # every role may call it: no 403
    schema = app.get_openapi_schema().model_dump(mode="json", by_alias=True, exclude_none=True)
    conflict = schema["paths"]["/things"]["post"]["responses"]["409"]["content"]["application/json"]
    assert conflict["schema"] == {"$ref": ERROR_REF} and set(conflict["examples"]) == {"busy"}


def test_given_asset_routes_then_attributes_are_documented_per_kind(doc):
    schemas = doc["components"]["schemas"]
    ops = operations(doc)
    body = ops["POST /v1/partner/assets"]["requestBody"]["content"]["application/json"]["schema"]
    reply = ops["GET /v1/partner/assets/{asset_id}"]["responses"]["200"]["content"]["application/json"]
    for union in (body, reply["schema"]):
        assert union["discriminator"]["propertyName"] == "kind", union
        mapping = union["discriminator"]["mapping"]
        assert set(mapping) == {"ticket_product", "vehicle", "hotel_room", "product_sku"}
        vehicle = schemas[mapping["vehicle"].rsplit("/", 1)[-1]]
        attributes = schemas[vehicle["properties"]["attributes"]["$ref"].rsplit("/", 1)[-1]]
        assert set(attributes["required"]) == {"vehicle_type", "plate", "route_km"}
