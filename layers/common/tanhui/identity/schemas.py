"""Request and response bodies of the identity API."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field, StringConstraints

from tanhui.identity.phones import MAX_TEXT, as_e164
from tanhui.request_models import RequestModel
from tanhui.response_models import ResponseModel

Phone = Annotated[
    str,
    BeforeValidator(as_e164),
    Field(
        description="The mobile phone number as people type it: `137 1000 0099`, "
        "`+86 137 1000 0099`, `86-137-1000-0099`, `8613710000099` or full-width digits; another "
        "country's number with `+` (or `00`) and its country code. It is read as E.164 "
        "(`+8613710000099`). A number that is neither answers 422 `invalid_phone`.",
        examples=["137 1000 0099", "+8613710000099"],
        json_schema_extra={"maxLength": MAX_TEXT},  # as_e164 refuses longer text: `invalid_phone`
    ),
]
Password = Annotated[str, StringConstraints(min_length=1, max_length=256)]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class ConsentIn(RequestModel):
    version: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    accepted: bool


class RegisterIn(RequestModel):
    phone: Phone
    password: Password
    display_name: DisplayName
    consent: ConsentIn | None = None


class ConfirmIn(RequestModel):
    phone: Phone
    code: Annotated[str, StringConstraints(min_length=1, max_length=16)]


class LoginIn(RequestModel):
    phone: Phone
    password: Password


RefreshToken = Annotated[str, StringConstraints(min_length=1, max_length=4096)]


class RefreshIn(RequestModel):
    refresh_token: RefreshToken | None = Field(
        None, description="The sign-in's refresh token; absent (or no body): the `tanhui_refresh` cookie."
    )


class LogoutIn(RequestModel):
    refresh_token: RefreshToken | None = Field(
        None, description="The refresh token to revoke; absent (or no body): the `tanhui_refresh` cookie."
    )


class TokensOut(ResponseModel):
    access_token: str
    id_token: str
    refresh_token: str | None = Field(
        description="null with `X-Session: cookie` (the token is then the HttpOnly cookie "
        "`tanhui_refresh`), and when a refresh issued no new one."
    )
    expires_in: int
    token_type: str = "Bearer"


class RegisteredOut(ResponseModel):
    user_id: str
    confirmation_required: bool
    tokens: TokensOut | None


class ConsentOut(ResponseModel):
    version: str
    accepted_at: str


class ConsentText(ResponseModel):
    zh: str = Field(description="The text in Chinese (in force; shown first).")
    en: str = Field(description="The same text in English.")


class ConsentDocumentOut(ResponseModel):
    version: str = Field(description="Send it back as `consent.version` when registering.")
    text: ConsentText


class ProfileOut(ResponseModel):
    user_id: str
    phone: str
    display_name: str
    role: str
    partner_id: str | None
    consent: ConsentOut | None = Field(description="The consent in force; null: none (never "
                                       "given, or withdrawn).")
    consent_withdrawn_at: str | None = Field(
        description="When the caller last withdrew the consent (撤回授权); it stays after "
        "consent is given again. With `consent` null: withdrawn, nothing is recorded or credited."
    )
    created_at: str
