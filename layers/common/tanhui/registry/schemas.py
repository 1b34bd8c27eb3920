"""Request and response bodies of the registry. Units are whole kg CO2e (1 unit = 1,000 g),
serials integers shown as TH-<12 digits>, money integer fen, times UTC ISO-8601 with `Z`."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import BeforeValidator, Field, StringConstraints

from tanhui.limits import Ulid
from tanhui.request_models import RequestModel
from tanhui.response_models import Map, ResponseModel

MAX_UNITS = 10**9
ExportId = Ulid
AccountId = Annotated[str, StringConstraints(max_length=8, pattern=r"^(PLATFORM|[0-9A-F]{6})$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Units = Annotated[int, Field(ge=1, le=MAX_UNITS, description="whole units of 1 kg CO2e")]
Period = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
EmissionKind = Literal["event", "office_year", "trip", "compensation"]


class IssuanceIn(RequestModel):
    logged_fields: ClassVar[tuple[str, ...] | None] = ("export_id",)  # the operators' action log
    export_id: ExportId = Field(description="a completed ledger export whose audit is ok")


class IssuedDayOut(ResponseModel):
    day: str
    rows: int = Field(description="export lines of the day not issued before")
    gco2e: int
    after: str | None = Field(description="the cutoff counted from: lines created at or after it (null: all)")


class IssuanceOut(ResponseModel):
    issuance_id: str
    export_id: str
    manifest_sha256: str
    recorded_before: str
    range_from: str
    range_to: str
    rows: int
    gco2e: int
    carry_in_g: int
    carry_out_g: int
    units: int
    start: int
    end: int = Field(description="exclusive: the serials are [start, end)")
    first_serial: str | None = None
    last_serial: str | None = None
    account_id: str
    days: list[IssuedDayOut]
    created_at: str


class IssuanceList(ResponseModel):
    items: list[IssuanceOut]
    next_cursor: str | None


class AccountOut(ResponseModel):
    account_id: str
    name: str
    kind: str
    held_units: int
    retired_units: int
    transfers_allowed: Annotated[bool, BeforeValidator(bool)] = False


class AccountList(ResponseModel):
    items: list[AccountOut]
    next_cursor: str | None


class RangeOut(ResponseModel):
    start: int
    end: int
    units: int
    first_serial: str
    last_serial: str


class HoldingOut(ResponseModel):
    account: AccountOut
    held: list[RangeOut]


class TransfersAllowedIn(RequestModel):
    logged_fields: ClassVar[tuple[str, ...] | None] = ("transfers_allowed",)
    transfers_allowed: bool


class TransferIn(RequestModel):
    logged_fields: ClassVar[tuple[str, ...] | None] = ("from_", "to", "units", "reason", "price_fen")
    from_: AccountId = Field(alias="from")
    to: AccountId
    units: Units
    reason: Text
    price_fen: Annotated[int, Field(ge=0, le=10**13)] | None = None


class PartnerTransferIn(RequestModel):
    """A holder's transfer from its own account."""

    to: AccountId
    units: Units
    reason: Text
    price_fen: Annotated[int, Field(ge=0, le=10**13)] | None = None


class TransferOut(ResponseModel):
    transfer_id: str
    from_account: str
    to_account: str
    units: int
    ranges: list[RangeOut]
    reason: str
    price_fen: int | None = None
    created_by_role: str
    created_at: str


class TransferList(ResponseModel):
    items: list[TransferOut]
    next_cursor: str | None


class EmissionIn(RequestModel):
    kind: EmissionKind = Field(description="event | office_year | trip | compensation (以碳代偿)")
    description: Text
    period: Period | None = None


class RetirementIn(RequestModel):
    units: Units
    beneficiary: Text
    purpose: Text
    emission: EmissionIn


class RetirementOut(ResponseModel):
    """A retirement as anyone may see it: no login, no person's id."""

    retirement_id: str
    account_id: str
    account_name: str
    units: int
    ranges: list[RangeOut]
    beneficiary: str
    purpose: str
    emission: Map
    created_at: str
    certificate_path: str
    check_path: str


class RetirementList(ResponseModel):
    items: list[RetirementOut]
    next_cursor: str | None


class OffsetRateIn(RequestModel):
    logged_fields: ClassVar[tuple[str, ...] | None] = ("coins_per_unit",)
    coins_per_unit: Annotated[int, Field(ge=1, le=10**6, description="coins a person pays per unit retired")]


class OffsetRateOut(ResponseModel):
    coins_per_unit: int | None
    updated_at: str | None = None


class OffsetIn(RequestModel):
    coins: Annotated[int, Field(ge=1, le=10**9, description="a whole multiple of the operator's rate")]


class OffsetOut(RetirementOut):
    coins: int


class RegistryOut(ResponseModel):
    """The public registry: what was issued, who holds what, what was retired (no personal data)."""

    issued_units: int
    held_units: int
    retired_units: int
    next_serial: int
    carry_g: int
    issuances: list[IssuanceOut]
    holdings: list[AccountOut]
    retirements: list[RetirementOut]
