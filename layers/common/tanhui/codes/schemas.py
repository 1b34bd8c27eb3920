"""Request and response bodies of the asset and code API."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BeforeValidator, Field, StringConstraints, field_validator

from tanhui.codes.token import gtin_check_digit_ok
from tanhui.models.base import plain
from tanhui.request_models import RequestModel
from tanhui.response_models import ResponseModel

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
HexId = Annotated[str, StringConstraints(
    strip_whitespace=True, to_upper=True, max_length=6, pattern=r"^[0-9A-Fa-f]{6}$")]


class TicketProductAttributes(RequestModel):
    name: Text  # e.g. "年卡 Annual pass"

    def asset_name(self) -> str:
        return self.name


class VehicleAttributes(RequestModel):
    vehicle_type: Literal["bus", "shuttle", "boat"]
    plate: Text  # plate number or the boat's name
    route_km: Annotated[float, Field(gt=0, le=1000)]

    def asset_name(self) -> str:
        return f"{self.vehicle_type} {self.plate}"


class HotelRoomAttributes(RequestModel):
    room_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]

    def asset_name(self) -> str:
        return f"Room {self.room_number}"


class ProductSkuAttributes(RequestModel):
    sku: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    product_name: Text
    gtin: Annotated[str, StringConstraints(max_length=14, pattern=r"^(\d{8}|\d{12,14})$")] | None = None

    @field_validator("gtin")
    @classmethod
    def _gtin(cls, value: str | None) -> str | None:
        if value is not None and not gtin_check_digit_ok(value):
            raise ValueError("the GTIN check digit is wrong")
        return value

    def asset_name(self) -> str:
        return self.product_name


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


# an asset's kind with the attributes it takes: the request bodies below and PATCH's check of the
# merged attributes (`codes.assets.update`) tell them apart by `kind`
class TicketProduct(RequestModel):
    kind: Literal["ticket_product"]
    attributes: TicketProductAttributes


class Vehicle(RequestModel):
    kind: Literal["vehicle"]
    attributes: VehicleAttributes


class HotelRoom(RequestModel):
    kind: Literal["hotel_room"]
    attributes: HotelRoomAttributes


class ProductSku(RequestModel):
    kind: Literal["product_sku"]
    attributes: ProductSkuAttributes


KindAttributes = Annotated[TicketProduct | Vehicle | HotelRoom | ProductSku, Field(discriminator="kind")]


class TicketProductIn(TicketProduct, _Placement):
    pass


class VehicleIn(Vehicle, _Placement):
    pass


class HotelRoomIn(HotelRoom, _Placement):
    pass


class ProductSkuIn(ProductSku, _Placement):
    pass


# the body of POST /v1/partner/assets
AssetIn = Annotated[TicketProductIn | VehicleIn | HotelRoomIn | ProductSkuIn, Field(discriminator="kind")]


class AssetPatch(_Placement):
    """The kind stays: `attributes` are merged into the asset's own and checked as its kind's."""

    attributes: dict[str, Any] | None = None


class GeoFenceOut(ResponseModel):
    lat: float
    lng: float
    radius_m: int
    required: bool


class _AssetOut(ResponseModel):
    asset_id: str
    name: str
    status: Literal["active", "retired", "revoked"]
    geofence: GeoFenceOut | None = None
    timezone: str
    created_at: str
    updated_at: str


class TicketProductOut(_AssetOut):
    kind: Literal["ticket_product"]
    attributes: Annotated[TicketProductAttributes, BeforeValidator(plain)]


class VehicleOut(_AssetOut):
    kind: Literal["vehicle"]
    attributes: Annotated[VehicleAttributes, BeforeValidator(plain)]


class HotelRoomOut(_AssetOut):
    kind: Literal["hotel_room"]
    attributes: Annotated[HotelRoomAttributes, BeforeValidator(plain)]


class ProductSkuOut(_AssetOut):
    kind: Literal["product_sku"]
    attributes: Annotated[ProductSkuAttributes, BeforeValidator(plain)]


AssetOut = Annotated[
    TicketProductOut | VehicleOut | HotelRoomOut | ProductSkuOut, Field(discriminator="kind")
]


class AssetList(ResponseModel):
    items: list[AssetOut]
    next_cursor: str | None


# ----------------------------------------------------------------------------------- codes
class CodesIn(RequestModel):
    asset_id: HexId
    count: Annotated[int, Field(ge=1, le=1000)] = 1


class CodeOut(ResponseModel):
    code_id: str
    kind: str
    url: str
    short: str
    png: str
    svg: str
    pdf: str


class CodesOut(ResponseModel):
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


class RevokedOut(ResponseModel):
    id: str
    status: Literal["revoked"]
