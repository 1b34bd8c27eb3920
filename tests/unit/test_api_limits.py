"""The API says its limits (issue 24, item 7): in the document DocsFunction serves every string has a
maxLength (or is an enum/const), every integer a minimum, a maximum and a format, every list a
maxItems, every operation a 429; and the models enforce what the document says."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from pydantic import Field, ValidationError
from tanhui import api, errors, limits, openapi
from tanhui.response_models import ResponseModel

from infra.local import openapi_json
from infra.local.events import http_event
from infra.local.functions import LambdaContext

RETRY_AFTER_CODES = {"data_export_too_soon", "peer_rate_limited"}


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return openapi_json.document()


def unbounded(node: Any, where: str = "") -> list[str]:
    """Where a string, integer or list in a schema has no limit."""
    found: list[str] = []
    if isinstance(node, dict):
        kinds = node.get("type")  # (a property may be called "type" too: then it is a schema)
        kinds = set(kinds) if isinstance(kinds, list) else {kinds} if isinstance(kinds, str) else set()
        if "string" in kinds and not {"maxLength", "enum", "const"} & set(node):
            found.append(f"{where}: a string without maxLength")
        if "integer" in kinds and not {"minimum", "maximum", "format"} <= set(node):
            found.append(f"{where}: an integer without minimum, maximum and format")
        if "array" in kinds and "maxItems" not in node:
            found.append(f"{where}: a list without maxItems")
        for key, value in node.items():
            if key not in ("example", "examples"):
                found += unbounded(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += unbounded(value, f"{where}/{i}")
    return found


def test_given_the_served_document_then_every_string_integer_and_list_has_its_limit(doc):
    assert unbounded(doc) == []
    schemas = doc["components"]["schemas"]
    phone = schemas["LoginIn"]["properties"]["phone"]
    assert phone["maxLength"] == 64  # as typed: `tanhui.identity.phones.as_e164` refuses longer text
    assert schemas["CoinPolicyIn"]["properties"]["years"]["anyOf"][0]["maximum"] == 10


def test_given_the_served_document_then_every_parameter_is_limited_and_page_sizes_are_1_to_100(doc):
    limits_seen = set()
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                assert unbounded(parameter["schema"]) == [], (method, path, parameter["name"])
                if parameter["name"] == "limit":
                    limits_seen.add((parameter["schema"]["minimum"], parameter["schema"]["maximum"]))
                if parameter["in"] == "path":
                    assert parameter["schema"].get("maxLength", 0) <= openapi_limit(path), (method, path)
    assert limits_seen == {(1, 100)}


def openapi_limit(path: str) -> int:
    return 512 if path.startswith(("/Q/", "/01/")) else limits.MAX_PATH_ID  # a code's token: MAX_CODE


def test_given_every_operation_then_it_documents_429_and_retry_after_where_it_is_sent(doc):
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            response = operation["responses"]["429"]
            examples = response["content"]["application/json"]["examples"]
            assert examples[openapi.THROTTLED]["value"] == {"message": "Too Many Requests"}
            edge = path.startswith("/v1/auth/") or path == "/v1/claims"
            assert (openapi.EDGE_429 in response["description"]) == edge, (method, path)
            retries = edge or bool(RETRY_AFTER_CODES & set(examples))
            assert ("Retry-After" in response.get("headers", {})) == retries, (method, path)
    ops = {f"{m.upper()} {p}": o for p, item in doc["paths"].items() for m, o in item.items()}
    assert "Retry-After" in ops["POST /v1/me/data-export"]["responses"]["429"]["headers"]
    assert "Retry-After" in ops["POST /v1/peers/keys/check"]["responses"]["429"]["headers"]


def test_given_the_edge_firewall_then_its_rate_limited_paths_are_the_ones_documented():
    text = (Path(__file__).resolve().parents[2] / "infra" / "waf.yaml").read_text(encoding="utf-8")
    rules = re.findall(r"PositionalConstraint: (\w+)\s+SearchString: (\S+)", text)
    assert {path: how for how, path in rules} == openapi.EDGE_RATE_LIMITED
    assert text.count('ResponseHeaders: [{Name: Retry-After, Value: "300"}]') == len(rules)


def test_given_the_document_then_integers_say_int32_or_int64_by_their_range(doc):
    schemas = doc["components"]["schemas"]
    assert schemas["WalletOut"]["properties"]["coins"]["format"] == "int64"  # JSON-safe range
    assert schemas["CoinPolicyIn"]["properties"]["years"]["anyOf"][0]["format"] == "int32"
    [server] = doc["servers"]
    assert server["url"] == "/" and server["x-internal"] is False and "staging" in server["description"]


class Stored(ResponseModel):
    name: str
    count: int
    tags: list[str] = []
    page: Annotated[list[int], Field(max_length=3)] = []
    mapping: dict[str, str] = {}


def test_given_a_response_model_then_its_fields_get_the_stored_data_limits_and_enforce_them():
    schema = Stored.model_json_schema()["properties"]
    assert schema["name"]["maxLength"] == limits.STORED_TEXT
    assert (schema["count"]["minimum"], schema["count"]["maximum"]) == (-limits.JSON_SAFE, limits.JSON_SAFE)
    assert schema["tags"]["maxItems"] == limits.RESPONSE_ITEMS
    assert schema["tags"]["items"]["maxLength"] == limits.STORED_TEXT
    assert schema["page"]["maxItems"] == 3  # its own limit is kept
    assert schema["mapping"]["additionalProperties"]["maxLength"] == limits.STORED_TEXT
    Stored(name="丹霞", count=2**53 - 1)
    with pytest.raises(ValidationError, match="string_too_long|at most"):
        Stored(name="x" * (limits.STORED_TEXT + 1), count=1)
    with pytest.raises(ValidationError):
        Stored(name="x", count=2**53)
    with pytest.raises(ValidationError):
        Stored(name="x", count=1, tags=["a"] * (limits.RESPONSE_ITEMS + 1))


def test_given_many_problems_then_the_error_names_the_first_100_and_a_message_is_bounded():
    problems = [{"loc": ("body", f"f{i}"), "msg": "bad", "type": "x"} for i in range(150)]
    assert len(errors.validation_details(problems)) == errors.MAX_DETAILS
    body = json.loads(api.error_body("x", "m" * 5000, "r", [{"field": "f"}] * 150))["error"]
    assert len(body["message"]) == errors.MAX_MESSAGE and len(body["details"]) == errors.MAX_DETAILS


def _app() -> Any:
    app = APIGatewayHttpResolver(enable_validation=True, serializer=api.to_json)
    api.install(app, allow=(api.PUBLIC,))

    @app.get("/soon", summary="Soon", description="Answers 429 with a Retry-After of 30 seconds.")
    def soon() -> dict:
        raise errors.TooManyRequests(retry_after=30)

    @app.get("/never", summary="Never", description="Answers 429 where waiting does not help.")
    def never() -> dict:
        raise errors.TooManyRequests()

    @app.get("/things/<thing_id>", summary="A thing", description="Looks a thing up by its id.")
    def thing(thing_id: api.PathId) -> dict:
        return {"thing_id": thing_id}

    return api.lambda_handler(app)


@pytest.mark.parametrize(("path", "status", "retry_after"), [
    ("/soon", 429, "30"), ("/never", 429, None), ("/things/" + "a" * 128, 200, None),
    ("/things/" + "a" * 129, 422, None),
])
def test_given_a_429_then_retry_after_where_waiting_helps_and_a_long_id_is_422(path, status, retry_after):
    route_key = "GET /things/{thing_id}" if path.startswith("/things/") else f"GET {path}"
    params = {"thing_id": path.rsplit("/", 1)[1]} if path.startswith("/things/") else None
    reply = _app()(http_event("GET", path, route_key=route_key, path_parameters=params), LambdaContext("t"))
    assert reply["statusCode"] == status, reply["body"][:200]
    assert {k.lower(): v for k, v in (reply.get("headers") or {}).items()}.get("retry-after") == retry_after
    if status == 422:
        assert json.loads(reply["body"])["error"]["code"] == "validation_error"


@pytest.mark.parametrize(("columns", "answer"),
                         [(limits.RESPONSE_ITEMS, "ok"), (limits.RESPONSE_ITEMS + 1, "422")])
def test_given_a_file_of_more_columns_than_a_response_lists_then_its_preview_is_refused(columns, answer):
    from tanhui.imports import preview
    from tanhui.imports.specs import SPECS

    data = (",".join(f"c{i}" for i in range(columns)) + "\n" + ",".join("1" * columns) + "\n").encode()
    if answer == "ok":
        assert len(preview.preview(next(iter(SPECS)), data, None, whole=True).columns) == columns
    else:
        with pytest.raises(preview.PreviewUnreadable, match="more than 1000 columns"):
            preview.preview(next(iter(SPECS)), data, None, whole=True)
