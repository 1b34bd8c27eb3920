"""Request and response bodies of the asset and code API."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator

from tanhui.codes.token import gtin_check_digit_ok
from tanhui.request_models import RequestModel
from tanhui.response_models import Map, ResponseModel

AssetKind = Literal["ticket_product", "vehicle", "hotel_room", "product_sku"]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
HexId = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[0-9A-Fa-f]{6}$")]


class TicketProductAttributes(RequestModel):
    name: Text  # e.g. "年卡 Annual pass"


class VehicleAttributes(RequestModel):
    vehicle_type: Literal["bus", "shuttle", "boat"]
    plate: Text  # plate number or the boat's name
    route_km: Annotated[float, Field(gt=0, le=1000)]


class HotelRoomAttributes(RequestModel):
    room_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]


class ProductSkuAttributes(RequestModel):
    sku: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    product_name: Text
    gtin: Annotated[str, StringConstraints(pattern=r"^(\d{8}|\d{12,14})$")] | None = None

    @field_validator("gtin")
    @classmethod
    def _gtin(cls, value: str | None) -> str | None:
        if value is not None and not gtin_check_digit_ok(value):
            raise ValueError("the GTIN check digit is wrong")
        return value


ATTRIBUTES_BY_KIND: dict[str, type[BaseModel]] = {
    "ticket_product": TicketProductAttributes,
    "vehicle": VehicleAttributes,
    "hotel_room": HotelRoomAttributes,
    "product_sku": ProductSkuAttributes,
}


def validate_attributes(kind: str, attributes: dict[str, Any]) -> dict[str, Any]:
    return ATTRIBUTES_BY_KIND[kind].model_validate(attributes).model_dump(exclude_none=True)


class GeoFenceIn(RequestModel):
    lat: Annotated[float, Field(ge=-90, le=90)]
    lng: Annotated[float, Field(ge=-180, le=180)]
    radius_m: Annotated[int, Field(ge=10, le=50_000)]
    required: bool = False


class _Placement(RequestModel):
    geofence: GeoFenceIn | None = None
    timezone: Annotated[str, StringConstraints(max_length=64)] | None = None

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("unknown IANA time zone") from exc
        return value


class AssetIn(_Placement):
    """`attributes` by kind — ticket_product: {name}; vehicle: {vehicle_type, plate, route_km};
    hotel_room: {room_number}; product_sku: {sku, product_name, gtin?}."""

    kind: AssetKind
    attributes: dict[str, Any]

    @model_validator(mode="after")
    def _attributes_match_kind(self) -> AssetIn:
        self.attributes = validate_attributes(self.kind, self.attributes)
        return self


class AssetPatch(_Placement):
    attributes: dict[str, Any] | None = None


class GeoFenceOut(ResponseModel):
    lat: float
    lng: float
    radius_m: int
    required: bool


class AssetOut(ResponseModel):
    asset_id: str
    kind: AssetKind
    name: str
    attributes: Map
    status: Literal["active", "retired", "revoked"]
    geofence: GeoFenceOut | None = None
    timezone: str
    created_at: str
    updated_at: str


class AssetList(ResponseModel):
    items: list[AssetOut]
    next_cursor: str | None


# ----------------------------------------------------------------------------------- codes
class CodesIn(RequestModel):
    asset_id: HexId
    count: Annotated[int, Field(ge=1, le=1000)] = 1


class CodeOut(BaseModel):
    code_id: str
    kind: str
    url: str
    short: str
    png: str
    svg: str
    pdf: str


class CodesOut(BaseModel):
    asset_id: str
    kind: str
    batch_id: str | None
    count: int
    codes: list[CodeOut]


class RotatingCodeOut(CodeOut):
    step: int
    step_seconds: int
    valid_from: str
    valid_until: str = Field(description="End of the code's own step: the screen shows the next code")
    accepted_until: str = Field(
        description="A claim of this code is accepted until this time (exclusive): one step of "
        "tolerance for a slow scan"
    )


class RevokedOut(BaseModel):
    id: str
    status: Literal["revoked"]
