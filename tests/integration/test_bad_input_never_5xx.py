"""Bad input anywhere in the codes and claims API is a JSON 4xx with a stable code, never a 5xx."""

from __future__ import annotations

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


def test_given_unknown_or_oversized_code_files_then_404_code_not_found(api, make_partner):
    hotel = make_partner("hotel")
    for unknown in ("/v1/partner/codes/%00.png", "/v1/partner/codes/" + "A" * 600 + ".svg"):
        reply = api.get(unknown, as_=hotel)
        assert reply.status == 404 and reply.error_code == "code_not_found"
