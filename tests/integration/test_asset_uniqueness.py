"""A partner's room numbers, SKUs and GTINs name one asset each: a second one is refused 409
`asset_exists`, naming the asset that has it, however close together the two requests come."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from pydantic import TypeAdapter
from tanhui import errors
from tanhui.codes import assets
from tanhui.codes.schemas import AssetIn


def _room(number: str) -> dict:
    return {"kind": "hotel_room", "attributes": {"room_number": number}}


def _sku(sku: str, gtin: str | None = None) -> dict:
    attributes = {"sku": sku, "product_name": "竹纤维水杯"} | ({"gtin": gtin} if gtin else {})
    return {"kind": "product_sku", "attributes": attributes}


def _create(api, partner, body):
    return api.post("/v1/partner/assets", body, as_=partner)


def test_given_room_1209_when_another_room_1209_then_409_naming_the_first(api, make_partner):
    hotel = make_partner("hotel")
    first = _create(api, hotel, _room("1209"))
    assert first.status == 201, first.body

    second = _create(api, hotel, _room(" 1209 "))

    assert (second.status, second.error_code) == (409, "asset_exists"), second.body
    assert second.body["error"]["details"] == {
        "asset_id": first.body["asset_id"], "field": "room_number", "value": "1209"
    }
    assert first.body["asset_id"] in second.body["error"]["message"]
    assert len(api.get("/v1/partner/assets", as_=hotel).body["items"]) == 1
    api.assert_documented("PartnerFunction", "POST", "/v1/partner/assets", second)


def test_given_room_number_then_other_hotels_and_other_numbers_are_free(api, make_partner):
    hotel, other = make_partner("hotel"), make_partner("hotel")
    assert _create(api, hotel, _room("a12")).status == 201
    assert _create(api, other, _room("A12")).status == 201
    assert _create(api, hotel, _room("A13")).status == 201
    assert _create(api, hotel, _room("A12")).error_code == "asset_exists"


def test_given_sku_when_same_sku_or_same_gtin_then_409_naming_the_field(api, make_partner):
    maker = make_partner("manufacturer")
    first = _create(api, maker, _sku("ECO-CUP-1", "6901234567892"))
    assert first.status == 201, first.body

    same_sku = _create(api, maker, _sku("eco-cup-1", "4006381333931"))
    same_gtin = _create(api, maker, _sku("ECO-CUP-2", "06901234567892"))  # the GTIN-14 form

    assert (same_sku.status, same_sku.body["error"]["details"]["field"]) == (409, "sku"), same_sku.body
    assert (same_gtin.status, same_gtin.body["error"]["details"]) == (
        409, {"asset_id": first.body["asset_id"], "field": "gtin", "value": "06901234567892"}
    ), same_gtin.body
    assert _create(api, maker, _sku("ECO-CUP-2", "4006381333931")).status == 201


def test_given_two_rooms_when_one_is_renumbered_to_the_other_then_409_and_its_old_number_is_free(
    api, make_partner
):
    hotel = make_partner("hotel")
    a = _create(api, hotel, _room("301")).body
    b = _create(api, hotel, _room("302")).body
    path = f"/v1/partner/assets/{b['asset_id']}"

    clash = api.call("PATCH", path, {"attributes": {"room_number": "301"}}, as_=hotel)
    moved = api.call("PATCH", path, {"attributes": {"room_number": "303"}}, as_=hotel)

    assert (clash.status, clash.body["error"]["details"]["asset_id"]) == (409, a["asset_id"]), clash.body
    api.assert_documented("PartnerFunction", "PATCH", "/v1/partner/assets/{asset_id}", clash)
    assert (moved.status, moved.body["name"]) == (200, "Room 303"), moved.body
    assert _create(api, hotel, _room("302")).status == 201  # given back by the move
    assert _create(api, hotel, _room("303")).error_code == "asset_exists"
    same = api.call("PATCH", path, {"attributes": {"room_number": "303"}}, as_=hotel)
    assert same.status == 200, same.body  # its own number is not a clash


def test_given_revoked_room_then_its_number_can_be_registered_again(api, make_partner):
    hotel = make_partner("hotel")
    old = _create(api, hotel, _room("808")).body
    assert api.post(f"/v1/partner/assets/{old['asset_id']}/revoke", {}, as_=hotel).status == 200

    again = _create(api, hotel, _room("808"))

    assert again.status == 201 and again.body["asset_id"] != old["asset_id"], again.body


@pytest.mark.parametrize("body", [_room("1500"), _sku("RACE-1", "6901234567892")])
def test_given_concurrent_creates_of_one_number_then_exactly_one_asset(make_partner, body):
    partner = make_partner("hotel" if body["kind"] == "hotel_room" else "manufacturer")
    asset_in = TypeAdapter(AssetIn).validate_python(body)

    def attempt(_: int) -> str:
        try:
            return assets.create(partner.partner_id, asset_in).asset_id
        except errors.Conflict as exc:
            return exc.code

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(attempt, range(6)))

    created = [r for r in results if r != "asset_exists"]
    assert len(created) == 1, results
    assert assets.list_assets(partner.partner_id, 20, None).items[0].asset_id == created[0]
