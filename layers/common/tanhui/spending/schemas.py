"""Request and response bodies of offers, redemptions and vouchers. Coins are integers; times are
UTC ISO-8601 with `Z`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from tanhui.models.base import iso_ms
from tanhui.request_models import RequestModel
from tanhui.response_models import ResponseModel


def _utc(text: str) -> str:
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError("send an ISO-8601 time in UTC, e.g. 2026-12-01T00:00:00Z") from exc
    if at.utcoffset() is None:
        raise ValueError("send the time with Z (UTC)")
    return iso_ms(at.astimezone(UTC))


UtcTime = Annotated[str, StringConstraints(max_length=40, pattern=r"Z$"), AfterValidator(_utc)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]
Coins = Annotated[int, Field(ge=1, le=1_000_000)]
Stock = Annotated[int, Field(ge=0, le=1_000_000)]
Limit = Annotated[int, Field(ge=1, le=1000)]
Days = Annotated[int, Field(ge=1, le=366)]


def _window(valid_from: str | None, valid_until: str | None) -> None:
    if valid_from and valid_until and valid_until <= valid_from:
        raise ValueError("valid_until must be after valid_from")


class OfferIn(RequestModel):
    title: Title
    description: Description
    coins_cost: Coins
    stock: Stock
    per_user_limit: Limit | None = None
    valid_from: UtcTime
    valid_until: UtcTime
    voucher_valid_days: Days

    @model_validator(mode="after")
    def _valid_window(self) -> OfferIn:
        _window(self.valid_from, self.valid_until)
        return self


class OfferPatch(RequestModel):
    """Absent = unchanged. The price stays: withdraw the offer and make another to change it.
    Only `per_user_limit` may be null (no limit); a null for any other field is refused (422): a
    stored null broke the offer for every tourist (attack run)."""

    title: Title | SkipJsonSchema[None] = None
    description: Description | SkipJsonSchema[None] = None
    stock: Stock | SkipJsonSchema[None] = None
    per_user_limit: Limit | None = None
    valid_from: UtcTime | SkipJsonSchema[None] = None
    valid_until: UtcTime | SkipJsonSchema[None] = None
    voucher_valid_days: Days | SkipJsonSchema[None] = None

    @field_validator(
        "title", "description", "stock", "valid_from", "valid_until", "voucher_valid_days", mode="before"
    )
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("cannot be null: leave the field out to keep its value")
        return value


class OfferOut(ResponseModel):
    """What tourists see of an offer."""

    offer_id: str
    partner_id: str
    partner_name: str
    title: str
    description: str
    coins_cost: int
    stock: int
    per_user_limit: int | None
    valid_from: str
    valid_until: str
    voucher_valid_days: int
    status: Literal["active", "withdrawn"]
    created_at: str


class MerchantOfferOut(OfferOut):
    """What the merchant sees: also its redemption counts."""

    redeemed: int = 0
    consumed: int = 0
    refunded: int = 0
    updated_at: str


class OfferList(ResponseModel):
    items: list[OfferOut]
    next_cursor: str | None


class MerchantOfferList(ResponseModel):
    items: list[MerchantOfferOut]
    next_cursor: str | None


class RedemptionIn(RequestModel):
    offer_id: Annotated[str, StringConstraints(max_length=12, pattern=r"^[0-9A-F]{12}$")]


class VoucherOut(ResponseModel):
    voucher_id: str
    short: str = Field(description="The voucher's number for people to read out (its id in groups "
                       "of four), as the code's page prints it.")
    code: str
    offer_id: str
    partner_id: str
    partner_name: str
    title: str
    coins: int
    status: Literal["issued", "consumed", "expired", "refunded"]
    valid_until: str
    created_at: str
    consumed_at: str | None = None
    refunded_at: str | None = None
    png: str
    svg: str


class VoucherList(ResponseModel):
    items: list[VoucherOut]
    next_cursor: str | None


class ConsumeIn(RequestModel):
    code: Annotated[str, StringConstraints(min_length=1, max_length=512)]


class ConsumedOut(ResponseModel):
    """All the merchant learns: which offer, and the tourist's display name."""

    voucher_id: str
    offer_id: str
    title: str
    display_name: str
    consumed_at: str
