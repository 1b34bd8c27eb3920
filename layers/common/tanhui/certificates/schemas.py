"""Response body of the public certificate check (the PDF route answers application/pdf)."""

from __future__ import annotations

from pydantic import Field

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
