"""Partners register assets and get signed codes for them, over the real PartnerFunction."""

from __future__ import annotations

import base64

import pytest
from tanhui.codes import keyring, token
from tanhui.models.assets import Asset
from tanhui.models.behaviour import BehaviourRecord

from tests.support import decode_png, pdf_font_problems

ROOM = {"kind": "hotel_room", "attributes": {"room_number": "1208"}}
TICKET = {"kind": "ticket_product", "attributes": {"name": "年卡 Annual pass"}}
BUS = {"kind": "vehicle", "attributes": {"vehicle_type": "boat", "plate": "珠江 07", "route_km": 12.5}}
SKU = {
    "kind": "product_sku",
    "attributes": {"sku": "ECO-BOTTLE-1", "product_name": "竹纤维水杯", "gtin": "6901234567892"},
}


@pytest.fixture
def hotel(make_partner):
    return make_partner("hotel")


def new_asset(api, session, body):
    reply = api.post("/v1/partner/assets", body, as_=session)
    assert reply.status == 201, reply.body
    return reply.body


def png_url(reply) -> str:
    assert reply.headers.get("Content-Type") == "image/png", reply.headers
    return decode_png(base64.b64decode(reply.body))


def test_given_hotel_when_room_registered_then_listed_updated_and_private(api, hotel, make_partner):
    room = new_asset(api, hotel, ROOM)
    assert (room["kind"], room["name"], room["status"]) == ("hotel_room", "Room 1208", "active")
    assert room["timezone"] == "Asia/Shanghai"
    listed = api.get("/v1/partner/assets", as_=hotel)
    assert [a["asset_id"] for a in listed.body["items"]] == [room["asset_id"]]
    patched = api.call(
        "PATCH", f"/v1/partner/assets/{room['asset_id']}", {"attributes": {"room_number": "1209"}}, as_=hotel
    )
    assert patched.status == 200 and patched.body["name"] == "Room 1209"
    other = make_partner("hotel")
    assert api.get(f"/v1/partner/assets/{room['asset_id']}", as_=other).error_code == "asset_not_found"
    assert api.get("/v1/partner/assets", as_=other).body["items"] == []


@pytest.mark.parametrize(
    "body, status, code",
    [
        (TICKET, 403, "asset_kind_not_allowed"),
        ({"kind": "hotel_room", "attributes": {}}, 422, "validation_error"),
        ({"kind": "hotel_room", "attributes": {"room_number": "1", "x": 1}}, 422, "validation_error"),
        ({"kind": "spaceship", "attributes": {}}, 422, "validation_error"),
        ({**ROOM, "timezone": "Mars/Olympus"}, 422, "validation_error"),
        ({**ROOM, "geofence": {"lat": 95, "lng": 0, "radius_m": 100}}, 422, "validation_error"),
    ],
)
def test_given_bad_asset_when_created_then_clear_4xx(api, hotel, body, status, code):
    reply = api.post("/v1/partner/assets", body, as_=hotel)
    assert (reply.status, reply.error_code) == (status, code)


@pytest.mark.parametrize(
    "body, field",
    [
        ({"kind": "hotel_room", "attributes": {"room_number": ""}}, "attributes.room_number"),
        ({"kind": "hotel_room", "attributes": {"room_number": "1", "x": 1}}, "attributes.x"),
        ({"kind": "spaceship", "attributes": {}}, "kind"),
        ({"attributes": {"room_number": "1"}}, "kind"),
    ],
)
def test_given_bad_kind_or_attributes_when_created_then_422_names_the_field_in_the_body(
    api, hotel, body, field
):
    reply = api.post("/v1/partner/assets", body, as_=hotel)
    assert (reply.status, reply.error_code) == (422, "validation_error")
    assert [d["field"] for d in reply.body["error"]["details"]] == [field]


def test_given_bad_gtin_check_digit_then_422(api, make_partner):
    maker = make_partner("manufacturer")
    bad = {"kind": "product_sku", "attributes": {**SKU["attributes"], "gtin": "6901234567891"}}
    assert api.post("/v1/partner/assets", bad, as_=maker).error_code == "validation_error"


def test_given_room_when_code_fetched_as_png_svg_pdf_then_decoded_url_verifies(api, hotel):
    room = new_asset(api, hotel, ROOM)
    code = api.get(f"/v1/partner/assets/{room['asset_id']}/code", as_=hotel)
    assert code.status == 200 and code.body["kind"] == "hotel_room"
    assert code.body["url"] == f"HTTPS://QR.TANHUI.CN/Q/{code.body['code_id']}"
    url = png_url(api.get(code.body["png"], as_=hotel))
    assert url == code.body["url"]
    tok = token.verify(token.parse_scanned(url).token, keyring.verifying_key)
    assert (tok.partner_id, tok.asset_id, tok.kind) == (
        hotel.partner_id,
        room["asset_id"],
        token.Kind.HOTEL_ROOM,
    )
    svg = api.get(code.body["svg"], as_=hotel)
    assert svg.headers["Content-Type"] == "image/svg+xml" and "<svg" in base64.b64decode(svg.body).decode()
    pdf = api.get(code.body["pdf"], as_=hotel)
    assert pdf.headers["Content-Type"] == "application/pdf"
    pdf_bytes = base64.b64decode(pdf.body)
    assert pdf_bytes.startswith(b"%PDF") and pdf_font_problems(pdf_bytes) == []  # every font travels with it
    # the same static code from POST /codes; more than one is refused
    again = api.post("/v1/partner/codes", {"asset_id": room["asset_id"]}, as_=hotel)
    assert again.status == 201 and again.body["codes"][0]["code_id"] == code.body["code_id"]
    many = api.post("/v1/partner/codes", {"asset_id": room["asset_id"], "count": 3}, as_=hotel)
    assert (many.status, many.error_code) == (422, "static_asset")


def test_given_ticket_product_when_codes_issued_then_unique_single_use_and_foreign_is_404(api, make_partner):
    spot = make_partner("scenic_spot")
    product = new_asset(api, spot, TICKET)
    reply = api.post("/v1/partner/codes", {"asset_id": product["asset_id"], "count": 25}, as_=spot)
    assert reply.status == 201, reply.body
    codes = reply.body["codes"]
    assert len({c["code_id"] for c in codes}) == 25 and reply.body["batch_id"]
    toks = [token.verify(c["code_id"], keyring.verifying_key) for c in codes]
    assert {t.batch_id for t in toks} == {reply.body["batch_id"]}
    assert len({t.serial for t in toks}) == 25
    other = make_partner("scenic_spot")
    assert api.get(codes[0]["png"], as_=other).error_code == "code_not_found"
    assert api.get("/v1/partner/codes/NOTATOKEN.png", as_=spot).error_code == "code_not_found"
    assert api.get(f"/v1/partner/codes/{codes[0]['code_id']}.gif", as_=spot).error_code == "code_not_found"


@pytest.mark.parametrize(
    "body, code",
    [
        ({"asset_id": "ABCDEF", "count": 0}, "validation_error"),
        ({"asset_id": "ABCDEF", "count": 1001}, "validation_error"),
        ({"asset_id": "not-hex", "count": 1}, "validation_error"),
        ({"asset_id": "ABCDEF", "count": 1}, "asset_not_found"),
    ],
)
def test_given_bad_code_request_then_clear_4xx(api, make_partner, body, code):
    spot = make_partner("scenic_spot")
    reply = api.post("/v1/partner/codes", body, as_=spot)
    assert reply.error_code == code and 400 <= reply.status < 500


def test_given_packaging_with_gtin_then_url_is_gs1_digital_link_style(api, make_partner):
    maker = make_partner("manufacturer")
    sku = new_asset(api, maker, SKU)
    reply = api.post("/v1/partner/codes", {"asset_id": sku["asset_id"], "count": 2}, as_=maker)
    code = reply.body["codes"][0]
    assert code["url"] == f"HTTPS://QR.TANHUI.CN/01/06901234567892/21/{code['code_id']}"
    assert png_url(api.get(code["png"], as_=maker)) == code["url"]


def test_given_vehicle_when_rotating_code_fetched_then_it_carries_the_current_step(api, make_partner, hotel):
    operator = make_partner("transport_operator")
    boat = new_asset(api, operator, BUS)
    assert boat["name"] == "boat 珠江 07"
    reply = api.get(f"/v1/partner/assets/{boat['asset_id']}/rotating-code", as_=operator)
    assert reply.status == 200 and reply.body["step_seconds"] == 30
    tok = token.verify(reply.body["code_id"], keyring.verifying_key)
    assert tok.kind is token.Kind.VEHICLE_ROTATING and tok.step == reply.body["step"]
    room = new_asset(api, hotel, ROOM)
    assert (
        api.get(f"/v1/partner/assets/{room['asset_id']}/rotating-code", as_=hotel).error_code
        == "not_rotating"
    )


def test_given_retired_asset_then_no_new_codes(api, hotel):
    room = new_asset(api, hotel, ROOM)
    retired = api.call("DELETE", f"/v1/partner/assets/{room['asset_id']}", as_=hotel)
    assert retired.status == 200 and retired.body["status"] == "retired"
    reply = api.post("/v1/partner/codes", {"asset_id": room["asset_id"]}, as_=hotel)
    assert (reply.status, reply.error_code) == (409, "asset_not_active")
    revoke = api.post(f"/v1/partner/assets/{room['asset_id']}/revoke", as_=hotel)
    assert (revoke.status, revoke.error_code) == (409, "asset_not_active")


def test_given_codes_when_code_and_batch_revoked_then_tombstone_and_asset_list_hold_it(api, make_partner):
    spot = make_partner("scenic_spot")
    product = new_asset(api, spot, TICKET)
    issued = api.post("/v1/partner/codes", {"asset_id": product["asset_id"], "count": 2}, as_=spot).body
    code_id = issued["codes"][0]["code_id"]
    first = api.post(f"/v1/partner/codes/{code_id}/revoke", as_=spot)
    assert first.status == 200 and first.body == {"id": code_id, "status": "revoked"}
    assert api.post(f"/v1/partner/codes/{code_id}/revoke", as_=spot).status == 200  # idempotent
    serial = token.verify(code_id, keyring.verifying_key).serial
    from tanhui.claims.keys import single_use_code

    assert BehaviourRecord.get(*BehaviourRecord.key(single_use_code(serial))).status == "revoked"
    other = make_partner("scenic_spot")
    assert api.post(f"/v1/partner/codes/{code_id}/revoke", as_=other).error_code == "code_not_found"

    batch = api.post(f"/v1/partner/code-batches/{issued['batch_id']}/revoke", as_=spot)
    assert batch.status == 200
    asset = Asset.get(*Asset.key(spot.partner_id, product["asset_id"]))
    assert issued["batch_id"] in asset.revoked_batches
    assert api.post("/v1/partner/code-batches/ABCDEF/revoke", as_=spot).error_code == "batch_not_found"


def test_given_tourist_when_calling_partner_routes_then_403(api, register):
    tourist = register()
    assert api.post("/v1/partner/assets", ROOM, as_=tourist).status == 403


def test_given_key_rotation_when_old_kid_retired_then_old_codes_stop_verifying(api, hotel, aws):
    import json

    import boto3
    from tanhui import errors

    secrets_manager = boto3.client("secretsmanager")
    secret_id = aws.env["CODE_KEYS_SECRET_ID"]
    original = secrets_manager.get_secret_value(SecretId=secret_id)["SecretString"]
    old_key = json.loads(original)["k1"]
    room = new_asset(api, hotel, ROOM)
    old = api.get(f"/v1/partner/assets/{room['asset_id']}/code", as_=hotel).body["code_id"]
    try:
        rotated = {"active_kid": 2, "keys": {"1": old_key, "2": "n" * 48}}
        secrets_manager.put_secret_value(SecretId=secret_id, SecretString=json.dumps(rotated))
        keyring.clear_cache()
        new = api.get(f"/v1/partner/assets/{room['asset_id']}/code", as_=hotel).body["code_id"]
        assert token.verify(new, keyring.verifying_key).kid == 2
        assert token.verify(old, keyring.verifying_key).kid == 1  # printed codes keep working

        secrets_manager.put_secret_value(
            SecretId=secret_id, SecretString=json.dumps(rotated | {"retired": [1]})
        )
        keyring.clear_cache()
        with pytest.raises(errors.InvalidCode):
            token.verify(old, keyring.verifying_key)
        assert api.get(f"/v1/partner/codes/{old}.png", as_=hotel).error_code == "code_not_found"
        assert token.verify(new, keyring.verifying_key).kid == 2
    finally:
        secrets_manager.put_secret_value(SecretId=secret_id, SecretString=original)
        keyring.clear_cache()


def test_given_phone_camera_opens_code_url_then_the_page_carries_the_code_to_claim(api, make_partner):
    from tests.integration.test_code_page import embedded

    maker = make_partner("manufacturer")
    sku = new_asset(api, maker, SKU)
    code = api.post("/v1/partner/codes", {"asset_id": sku["asset_id"]}, as_=maker).body["codes"][0]
    path = code["url"].removeprefix("HTTPS://QR.TANHUI.CN")
    page = api.get(path)  # public: no token
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "扫码领碳币" in page.body and "tanhui://" not in page.body
    assert embedded(page.body)["code"] == code["url"]
    assert code["short"] in page.body
    forged = path[:-1] + ("A" if path[-1] != "A" else "B")
    bad = api.get(forged)
    assert bad.status == 404 and "Not a valid Tanhui code" in bad.body
