"""Request and response bodies of the identity API."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from tanhui.request_models import RequestModel

Phone = Annotated[str, StringConstraints(pattern=r"^\+[1-9]\d{6,14}$")]
Password = Annotated[str, StringConstraints(min_length=1, max_length=256)]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class ConsentIn(RequestModel):
    version: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    accepted: bool


class RegisterIn(RequestModel):
    phone: Phone = Field(description="E.164 phone number, e.g. +8613800138000")
    password: Password
    display_name: DisplayName
    consent: ConsentIn | None = None


class ConfirmIn(RequestModel):
    phone: Phone
    code: Annotated[str, StringConstraints(min_length=1, max_length=16)]


class LoginIn(RequestModel):
    phone: Phone
    password: Password


class RefreshIn(RequestModel):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=4096)]


class TokensOut(BaseModel):
    access_token: str
    id_token: str
    refresh_token: str | None
    expires_in: int
    token_type: str = "Bearer"


class RegisteredOut(BaseModel):
    user_id: str
    confirmation_required: bool
    tokens: TokensOut | None


class ConsentOut(BaseModel):
    version: str
    accepted_at: str


class ProfileOut(BaseModel):
    user_id: str
    phone: str
    display_name: str
    role: str
    partner_id: str | None
    consent: ConsentOut | None
    created_at: str
