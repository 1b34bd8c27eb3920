"""Response bodies of the public certificate check (the PDF route answers application/pdf) and of
the holder's list of their certificates."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field

from tanhui.models.base import plain
from tanhui.response_models import ResponseModel


class BehaviourCountOut(ResponseModel):
    behaviour: str
    name: str = Field(description="The scene's Chinese name, as printed on the certificate.")
    count: int = Field(description="Credited behaviours of this kind in the period.")


class CertificateCheckOut(ResponseModel):
    """What a certificate states, as it was issued. Never the holder's phone number or user id."""

    certificate_id: str
    holder: str = Field(description="The holder's display name, masked: its first character and **.")
    period: str = Field(description="YYYY or YYYY-MM, local dates (Asia/Shanghai).")
    gco2e: int
    coins: int
    behaviours: list[BehaviourCountOut]
    issued_at: str


class CertificateOut(ResponseModel):
    """A certificate as its holder sees it: what it states, unmasked."""

    certificate_id: str
    display_name: str = Field(description="The holder's display name when it was issued.")
    period: str = Field(description="YYYY or YYYY-MM, local dates (Asia/Shanghai).")
    gco2e: int
    coins: int
    behaviours: Annotated[dict[str, int], BeforeValidator(plain)] = Field(
        description="{behaviour: number of credited records}")
    issued_at: str
    check_url: str = Field(description="The public check, the URL the PDF's QR holds.")


class CertificateList(ResponseModel):
    items: list[CertificateOut]
    next_cursor: str | None
