"""Over HTTP: register -> login -> me -> admin creates partner and staff -> partner logs in."""

from tests.e2e.remote import gateway_error
from tests.support import unique_phone


def test_newcomer_flow_over_http(http, admin):
    phone, password = unique_phone(), "green-trip-2026"
    status, body, _ = http.post(
        "/v1/auth/register",
        {
            "phone": phone,
            "password": password,
            "display_name": "小林",
            "consent": {"version": "2026-11", "accepted": True},
        },
    )
    assert status == 201 and body["tokens"]["access_token"]

    status, tokens, _ = http.post("/v1/auth/login", {"phone": phone, "password": password})
    assert status == 200
    status, me, _ = http.get("/v1/me", token=tokens["access_token"])
    assert status == 200 and me["phone"] == phone and me["consent"]["version"] == "2026-11"

    status, partner, _ = http.post(
        "/v1/admin/partners",
        {"name": "丹霞绿色酒店", "role": "hotel", "contact": {"name": "Ms Chen"}},
        token=admin.access_token,
    )
    assert status == 201
    staff_phone = unique_phone()
    status, _, _ = http.post(
        f"/v1/admin/partners/{partner['partner_id']}/users",
        {"phone": staff_phone, "password": "partner-pass-1", "display_name": "Front desk"},
        token=admin.access_token,
    )
    assert status == 201
    status, staff_tokens, _ = http.post(
        "/v1/auth/login", {"phone": staff_phone, "password": "partner-pass-1"}
    )
    assert status == 200
    status, profile, _ = http.get("/v1/partner/profile", token=staff_tokens["access_token"])
    assert status == 200 and profile["partner_id"] == partner["partner_id"]

    # the tourist's token does not open admin routes; a forged token does not pass the authorizer
    assert (
        http.post(
            "/v1/admin/partners", {"name": "x", "role": "hotel", "contact": {}}, token=tokens["access_token"]
        )[0]
        == 403
    )
    forged = tokens["access_token"][:-4] + "AAAA"
    status, body, _ = http.get("/v1/me", token=forged)
    assert status == 401 and gateway_error(body, "unauthorized"), body


def test_gateway_answers_unknown_routes_and_bad_bodies_in_the_error_shape(http):
    status, body, _ = http.get("/v1/nowhere")
    assert status == 404 and gateway_error(body, "route_not_found"), body
    status, body, _ = http.request(
        "POST", "/v1/auth/login", b"phone=1", headers={"content-type": "text/plain"}
    )
    assert status == 415 and body["error"]["code"] == "unsupported_media_type"
    status, body, _ = http.post("/v1/auth/login", {"phone": "+8613800000000"})
    assert status == 422 and body["error"]["code"] == "validation_error"


def test_openapi_document_lists_every_http_route_of_the_template(http):
    from infra.local import cfn

    status, doc, _ = http.get("/openapi.json")
    assert status == 200 and doc["openapi"].startswith("3.")
    documented = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    for route in cfn.http_routes(cfn.load_template()):
        assert (route.method, route.path) in documented, route.route_key
    status, page, headers = http.get("/docs")
    assert status == 200 and b"swagger" in page.lower()
