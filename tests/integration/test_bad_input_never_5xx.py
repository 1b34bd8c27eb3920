"""Bad input anywhere in the codes and claims API is a JSON 4xx with a stable code, never a 5xx."""

from __future__ import annotations

import base64
import json

import pytest

GARBAGE = [
    b"not json",
    b"[]",
    b"null",
    b'"a string"',
    b"{}",
    b'{"code": 123}',
    b'{"code": "HTTPS://QR.TANHUI.CN/Q/AAAA", "lat": 91, "lng": 0}',
    b'{"code": "x", "lat": "north"}',
    b'{"asset_id": ["A"], "count": "many"}',
    b'{"kind": "vehicle", "attributes": {"vehicle_type": "rocket", "plate": "", "route_km": -1}}',
    b'{"kind": "hotel_room", "attributes": []}',
    b'{"attributes": {"room_number": "' + b"9" * 500 + b'"}}',
    '{"code": "\u4e2d\u6587\u7801"}'.encode(),
    b"\xff\xfe",
]
ROUTES = [
    ("POST", "/v1/claims", "tourist"),
    ("POST", "/v1/partner/assets", "hotel"),
    ("PATCH", "/v1/partner/assets/ABCDEF", "hotel"),
    ("POST", "/v1/partner/codes", "hotel"),
    ("POST", "/v1/partner/code-batches", "hotel"),
    ("PUT", "/v1/admin/factors/hotel_low_carbon_night", "admin"),
]


@pytest.mark.parametrize("method, path, who", ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_given_garbage_bodies_then_4xx_json_error_with_code(
    api, admin, register, make_partner, method, path, who
):
    session = {"tourist": register, "hotel": lambda: make_partner("hotel"), "admin": lambda: admin}[who]()
    for raw in GARBAGE:
        reply = api.call(method, path, raw=raw, as_=session)
        assert 400 <= reply.status < 500, (raw, reply.status, reply.body)
        assert reply.error_code, (raw, reply.body)


def test_given_unknown_or_oversized_code_files_then_404_code_not_found_or_422_past_the_id_limit(
    api, make_partner
):
    hotel = make_partner("hotel")
    unknown = api.get("/v1/partner/codes/%00.png", as_=hotel)
    oversized = api.get("/v1/partner/codes/" + "A" * 600 + ".svg", as_=hotel)  # api.PathId: 128 at most
    assert unknown.status == 404 and unknown.error_code == "code_not_found"
    assert oversized.status == 422 and oversized.error_code == "validation_error"


# --------------------------------------------------- PATCH refuses what POST refuses (issue 9.2)
BAD_PATCHES = [
    ("hotel", {"kind": "hotel_room", "attributes": {"room_number": "1208"}},
     {"attributes": {"room_number": ""}}, "attributes.room_number"),
    ("hotel", {"kind": "hotel_room", "attributes": {"room_number": "1208"}},
     {"attributes": {"bogus": 1}}, "attributes.bogus"),
    ("hotel", {"kind": "hotel_room", "attributes": {"room_number": "1208"}}, {"bogus": 1}, "bogus"),
    ("transport_operator",
     {"kind": "vehicle", "attributes": {"vehicle_type": "boat", "plate": "珠江 07", "route_km": 12.5}},
     {"attributes": {"route_km": -5}}, "attributes.route_km"),
    ("manufacturer",
     {"kind": "product_sku", "attributes": {"sku": "B-1", "product_name": "水杯", "gtin": "6901234567892"}},
     {"attributes": {"gtin": "6901234567893"}}, "attributes.gtin"),
]


@pytest.mark.parametrize(
    "role, asset, patch, field", BAD_PATCHES, ids=["empty", "unknown", "top-level", "km", "gtin"]
)
def test_given_bad_attributes_when_patching_asset_then_422_with_field_and_asset_unchanged(
    api, make_partner, role, asset, patch, field
):
    partner = make_partner(role)
    created = api.post("/v1/partner/assets", asset, as_=partner)
    assert created.status == 201, created.body
    path = f"/v1/partner/assets/{created.body['asset_id']}"
    reply = api.call("PATCH", path, patch, as_=partner)
    assert (reply.status, reply.error_code) == (422, "validation_error"), reply.body
    assert field in [d["field"] for d in reply.body["error"]["details"]]
    assert api.get(path, as_=partner).body["attributes"] == created.body["attributes"]


# ------------------------------------------------------------ hand-made cursors (issue 9.3)
def _b64(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


FORGED_CURSORS = {
    "plain string": "hello",
    "not base64": "!!!",
    "json string": _b64("pk"),
    "json list": _b64([1, 2]),
    "X type": _b64({k: {"X": "1"} for k in ("pk", "sk", "gsi1pk", "gsi1sk")}),
    "number value": _b64({k: {"S": 1} for k in ("pk", "sk", "gsi1pk", "gsi1sk")}),
    "N type": _b64({k: {"N": "1"} for k in ("pk", "sk", "gsi1pk", "gsi1sk")}),
    "empty S": _b64({k: {"S": ""} for k in ("pk", "sk", "gsi1pk", "gsi1sk")}),
    "two types": _b64({k: {"S": "a", "N": "1"} for k in ("pk", "sk", "gsi1pk", "gsi1sk")}),
    "pk only X": _b64({"pk": {"X": "1"}, "sk": {"X": "1"}}),
    "someone else's keys": _b64({k: {"S": "PARTNER#000001"} for k in ("pk", "sk", "gsi1pk", "gsi1sk")}),
    "other partner asset": _b64({"pk": {"S": "PARTNER#FFFFFF"}, "sk": {"S": "ASSET#AAAAAA"}}),
    "nested 900 deep": base64.urlsafe_b64encode(b"[" * 900).decode(),
}


@pytest.mark.parametrize("path, who", [
    ("/v1/me/ledger", "tourist"), ("/v1/partner/assets", "hotel"), ("/v1/admin/partners", "admin"),
    ("/v1/partner/code-batches", "hotel"),
])
def test_given_hand_made_cursor_when_listing_then_400_invalid_cursor(
    api, admin, register, make_partner, path, who
):
    session = {"tourist": register, "hotel": lambda: make_partner("hotel"), "admin": lambda: admin}[who]()
    for name, cursor in FORGED_CURSORS.items():
        reply = api.get(path, as_=session, query={"cursor": cursor})
        assert (reply.status, reply.error_code) == (400, "invalid_cursor"), (name, reply.status, reply.body)


def test_given_real_asset_cursor_then_next_page_still_served(api, make_partner):
    hotel = make_partner("hotel")
    for room in ("101", "102"):
        api.post("/v1/partner/assets", {"kind": "hotel_room", "attributes": {"room_number": room}}, as_=hotel)
    first = api.get("/v1/partner/assets", as_=hotel, query={"limit": "1"})
    rest = api.get("/v1/partner/assets", as_=hotel, query={"limit": "1", "cursor": first.body["next_cursor"]})
    assert rest.status == 200 and rest.body["items"][0]["asset_id"] != first.body["items"][0]["asset_id"]


# ------------------------------------------------------------------ strict types (issue 9.5)
@pytest.mark.parametrize("count", ["100", True, 1.0, "1", None, [1]])
def test_given_count_not_an_integer_when_creating_codes_then_422(api, make_partner, count):
    spot = make_partner("scenic_spot")
    pass_ = {"kind": "ticket_product", "attributes": {"name": "Pass"}}
    ticket = api.post("/v1/partner/assets", pass_, as_=spot)
    reply = api.post("/v1/partner/codes", {"asset_id": ticket.body["asset_id"], "count": count}, as_=spot)
    assert (reply.status, reply.error_code) == (422, "validation_error"), reply.body
    assert reply.body["error"]["details"][0]["field"] == "count"


@pytest.mark.parametrize("accepted", ["yes", "true", 1, None])
def test_given_consent_accepted_not_a_boolean_when_registering_then_422(api, accepted):
    from tests.support import unique_phone

    reply = api.post("/v1/auth/register", {
        "phone": unique_phone(), "password": "green-trip-2026", "display_name": "小林",
        "consent": {"version": "2026-11", "accepted": accepted},
    })
    assert (reply.status, reply.error_code) == (422, "validation_error"), reply.body


def test_given_route_km_as_string_when_creating_vehicle_then_422(api, make_partner):
    boat = make_partner("transport_operator")
    bad = {"kind": "vehicle", "attributes": {"vehicle_type": "boat", "plate": "珠江 07", "route_km": "12.5"}}
    reply = api.post("/v1/partner/assets", bad, as_=boat)
    assert (reply.status, reply.error_code) == (422, "validation_error"), reply.body


def test_given_ledger_cursor_at_own_partition_with_bad_key_types_then_400(api, register):
    from tanhui.models.behaviour import ledger_pk

    tourist = register()
    own = {"S": ledger_pk(tourist.user_id)}
    for forged in ({"X": "1"}, {"S": 1}, {"N": "1"}, "1"):
        cursor = _b64({"pk": forged, "sk": forged, "gsi1pk": own, "gsi1sk": forged})
        reply = api.get("/v1/me/ledger", as_=tourist, query={"cursor": cursor})
        assert (reply.status, reply.error_code) == (400, "invalid_cursor"), (forged, reply.body)


@pytest.mark.parametrize("path, who", [
    ("/v1/me/ledger", "tourist"), ("/v1/partner/assets", "hotel"), ("/v1/admin/partners", "admin"),
    ("/v1/partner/code-batches", "hotel"),
])
def test_given_limit_not_in_plain_digits_when_listing_then_422(api, admin, register, make_partner, path, who):
    session = {"tourist": register, "hotel": lambda: make_partner("hotel"), "admin": lambda: admin}[who]()
    for limit in ("1.0", "+5", " 5", "5_0", "true", "0", "101"):
        reply = api.get(path, as_=session, query={"limit": limit})
        assert (reply.status, reply.error_code) == (422, "validation_error"), (limit, reply.body)
    assert api.get(path, as_=session, query={"limit": "7"}).status == 200


# ------------------------------------------------------- the role before the body (issue 9.7)
def test_given_wrong_role_with_incomplete_body_then_403_before_the_schema(
    api, admin, register, make_partner
):
    tourist, hotel = register(), make_partner("hotel")
    for method, path, who in [
        ("POST", "/v1/admin/partners", tourist),
        ("PUT", "/v1/admin/factors/hotel_low_carbon_night", hotel),
        ("POST", "/v1/partner/assets", tourist),
        ("POST", "/v1/partner/code-batches", admin),
        ("POST", "/v1/claims", hotel),
    ]:
        reply = api.call(method, path, {}, as_=who)
        assert (reply.status, reply.error_code) == (403, "forbidden"), (path, reply.body)
        assert "details" not in reply.body["error"]
        assert api.call(method, path, raw=b"[" * 1000, as_=who).status == 403
        anonymous = api.call(method, path, {})
        assert (anonymous.status, anonymous.error_code) == (401, "unauthorized"), path
    reply = api.post("/v1/admin/partners", {}, as_=admin)
    assert (reply.status, reply.error_code) == (422, "validation_error")
