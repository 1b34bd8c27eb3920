"""What a regulator reads: the operators' action log, partners without their contacts."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import Field

from tanhui.partners.schemas import PartnerRole
from tanhui.response_models import ResponseModel

Month = Annotated[str | None, Query(max_length=7, pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$",
                                    description="UTC month, YYYY-MM (default: this month)")]
Day = Annotated[str | None, Query(max_length=2, pattern=r"^(0[1-9]|[12][0-9]|3[01])$",
                                  description="one UTC day of the month, DD (default: the whole month)")]


class OperatorActionOut(ResponseModel):
    at: str = Field(description="UTC, when the write answered")
    request_id: str
    who: str = Field(description="the operator's user id")
    who_name: str | None = Field(default=None,
                                 description="the operator's display name now (null: the login is gone)")
    route: str = Field(description='the route as the API names it, e.g. "PUT /v1/admin/factors/{behaviour}"')
    path_params: dict[str, Any] = Field(description="the route's path parameters, e.g. the behaviour")
    summary: dict[str, Any] = Field(description="the body's fields that may be logged, with their values "
                                    "(no person's name, phone, email or password)")
    fields: list[str] = Field(description="every field the body sent, by name")
    result: dict[str, Any] = Field(description="the ids the answer named: partner_id, export_id, version…")
    status: int


class OperatorActionList(ResponseModel):
    items: list[OperatorActionOut]
    next_cursor: str | None


class PartnerSeen(ResponseModel):
    """A partner as the regulator sees it: its contact person is left out."""

    partner_id: str
    name: str
    role: PartnerRole
    status: str
    alliance: bool = False
    monthly_coin_quota: int | None = None
    created_at: str


class PartnerSeenList(ResponseModel):
    items: list[PartnerSeen]
    next_cursor: str | None
