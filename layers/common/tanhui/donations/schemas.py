"""Request and response bodies of projects and donations."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from tanhui.limits import HexId, Ulid
from tanhui.request_models import RequestModel
from tanhui.response_models import ResponseModel

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
ProjectStatus = Literal["open", "closed"]
ProjectId = Ulid


class ProjectIn(RequestModel):
    logged_fields = ("name", "goal_coins", "partner_id")

    name: Name
    description: Description
    goal_coins: Annotated[int, Field(ge=1, le=10**12)]
    partner_id: HexId | None = None


class ProjectOut(ResponseModel):
    project_id: str
    name: str
    description: str
    goal_coins: int
    partner_id: str | None
    status: ProjectStatus
    created_at: str
    closed_at: str | None
    raised_coins: int = 0
    donations: int = 0
    donors: int = 0


class ProjectList(ResponseModel):
    items: list[ProjectOut]
    next_cursor: str | None


class DonationIn(RequestModel):
    project_id: ProjectId
    coins: Annotated[int, Field(ge=1, le=10**9)]


class DonationOut(ResponseModel):
    donation_id: str
    project_id: str
    project_name: str
    coins: int
    created_at: str


class DonationList(ResponseModel):
    items: list[DonationOut]
    next_cursor: str | None
