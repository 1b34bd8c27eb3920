"""Request and response bodies of the partner administration API."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator

from tanhui.identity.schemas import DisplayName, Password, Phone
from tanhui.request_models import RequestModel
from tanhui.response_models import Map, ResponseModel

PartnerRole = Literal["scenic_spot", "hotel", "transport_operator", "manufacturer", "merchant", "utility",
                      "property_manager", "recycler",
                      # holders of registry units (消纳): 企业·机关·社会团体, and 论坛·会议·演出·赛事
                      "organisation", "event"]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
# a desk's number may be a landline (+86 20 …): E.164 as given, not a login's mobile number
ContactPhone = Annotated[str, StringConstraints(max_length=16, pattern=r"^\+[1-9]\d{6,14}$")]


class ContactIn(RequestModel):
    name: Annotated[str, StringConstraints(max_length=80)] | None = None
    phone: ContactPhone | None = None
    email: (
        Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
        | None
    ) = None


class PartnerIn(RequestModel):
    logged_fields = ("name", "role")  # not the contact: a person's name, phone and email

    name: Name
    role: PartnerRole
    contact: ContactIn


class PartnerOut(ResponseModel):
    partner_id: str
    name: str
    role: PartnerRole
    contact: Map
    status: str
    alliance: bool = False
    monthly_coin_quota: int | None = Field(
        default=None, description="Issuance supervision: coins its files may issue a month; null: no quota"
    )
    created_at: str

    @field_validator("alliance", mode="before")
    @classmethod
    def _unset_is_false(cls, value: Any) -> Any:
        return bool(value)


class AllianceIn(RequestModel):
    logged_fields = ("alliance",)

    alliance: bool


class PartnerList(ResponseModel):
    items: list[PartnerOut]
    next_cursor: str | None


class StaffIn(RequestModel):
    logged_fields = ()  # a person's phone, password and name

    phone: Phone
    password: Password
    display_name: DisplayName


class StaffOut(ResponseModel):
    user_id: str
    partner_id: str
    phone: str
    display_name: str
    created_at: str


class StaffList(ResponseModel):
    items: list[StaffOut]
    next_cursor: str | None
