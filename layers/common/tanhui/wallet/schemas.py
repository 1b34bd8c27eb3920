"""Response bodies of the wallet and ledger APIs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from tanhui.models.base import plain
from tanhui.request_models import RequestModel
from tanhui.response_models import ResponseModel

Expiry = Literal["none", "end_of_next_year", "years_after"]


class ExpiryOut(ResponseModel):
    coins: int = Field(description="coins of the oldest lot still held that expire (积分过期)")
    at: str = Field(description="when they expire (UTC): the end of a local (Asia/Shanghai) year")


class WalletOut(ResponseModel):
    coins: int
    gco2e: int
    lifetime_coins: int = 0
    lifetime_gco2e: int = 0
    spent_coins: int = 0
    expired_coins: int = 0
    next_expiry: ExpiryOut | None = Field(
        default=None, description="the next coins to expire under the operator's policy (null: none)"
    )
    updated_at: str | None = None


class CoinPolicyIn(RequestModel):
    """`none`: coins never expire (the default). `end_of_next_year`: the coins earned in a year
    (Asia/Shanghai) expire at the end of the next year. `years_after` with `years` n (1–10): at
    the end of the n-th year after the year they were earned (1 is `end_of_next_year`)."""

    logged_fields = ("expiry", "years")

    expiry: Expiry
    years: int | None = Field(default=None, ge=1, le=10)

    @model_validator(mode="after")
    def _years(self) -> CoinPolicyIn:
        if (self.expiry == "years_after") != (self.years is not None):
            raise ValueError("`years` goes with expiry `years_after`, and only with it")
        return self


class CoinPolicyOut(ResponseModel):
    expiry: Expiry
    years: int | None = None
    version: int = Field(description="0: never set (no expiry)")
    created_at: str | None = None
    created_by: str | None = None
    created_by_name: str | None = Field(default=None, description="The operator's display name (the "
                                        "history's reader sees who, not an id); null if the login is gone.")


class CoinPolicies(ResponseModel):
    current: CoinPolicyOut
    versions: list[CoinPolicyOut] = Field(description="every change, newest first")


COUNTS = ("row", "quantity", "trips", "baseline", "days_out", "days_out_previous", "age_years",
          "coins_uncapped", "remainder_millicoins", "coins_from_carry", "price_fen", "amount_fen")
MEASURES = ("usage", "standard", "kg", "height_m", "daily_km")


def _measure(value: Any) -> Any:
    """A measure as exact decimal text ("12.5"), however it was stored."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return value
    return format(Decimal(str(value)).normalize(), "f")


class EvidenceOut(ResponseModel):
    """What a ledger entry is evidence of, with one type per field whichever channel or file
    type wrote it: counts are integers, measures exact decimal text, and a field the behaviour
    does not have is absent (never ""). Other fields (a spend's reference, a file's card or
    account…) are passed on as stored."""

    model_config = ConfigDict(defer_build=True, from_attributes=True, extra="allow")

    code_id: str | None = Field(default=None, description="the scanned code (scans)")
    import_id: str | None = Field(default=None, description="the partner's import (file rows)")
    file: str | None = None
    row: int | None = Field(default=None, description="the row of the partner's file")
    type: str | None = Field(default=None, description="the file type")
    quantity: int | None = Field(default=None, description="items sold or sorted")
    trips: int | None = None
    baseline: int | None = None
    days_out: int | None = None
    days_out_previous: int | None = None
    age_years: int | None = None
    usage: str | None = Field(default=None, description="decimal text, e.g. \"118.5\"")
    standard: str | None = Field(default=None, description="decimal text")
    kg: str | None = Field(default=None, description="decimal text")
    height_m: str | None = Field(default=None, description="decimal text")
    daily_km: str | None = Field(default=None, description="decimal text")
    coins_uncapped: int | None = Field(default=None, description="what a capped record would have paid")
    remainder_millicoins: int | None = Field(
        default=None, description="the fraction of a coin (milli-coins) this record added to its carry"
    )
    coins_from_carry: int | None = Field(
        default=None, description="coins of this entry paid by the carry reaching a whole coin"
    )
    round_id: str | None = Field(default=None, description="the buyback round (buyback entries)")
    price_fen: int | None = Field(default=None, description="fen paid per coin (buyback entries)")
    amount_fen: int | None = Field(default=None, description="fen paid for the coins (buyback entries)")

    @model_validator(mode="before")
    @classmethod
    def _stored(cls, value: Any) -> Any:
        found = plain(value)
        found = {k: v for k, v in found.items() if v is not None and v != ""}
        for name in COUNTS:
            if isinstance(found.get(name), float | Decimal) and found[name] == int(found[name]):
                found[name] = int(found[name])
        for name in MEASURES:
            if name in found:
                found[name] = _measure(found[name])
        return found

    @model_serializer(mode="wrap")
    def _present(self, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        # no return annotation: the JSON schema stays the fields' own
        return {k: v for k, v in handler(self).items() if v is not None}


class LedgerEntryOut(ResponseModel):
    """An entry of the ledger, read from its behaviour record (`claim_id` is the entry's id)."""

    entry_id: str = Field(validation_alias=AliasChoices("entry_id", "claim_id"))
    kind: Literal["earn", "spend", "refund", "adjust", "expire", "buyback", "offset"]
    behaviour: str | None
    partner_id: str | None
    partner_name: str | None
    asset_id: str | None
    asset_name: str | None
    evidence: EvidenceOut
    factor_version: int | None
    coins: int
    gco2e: int
    occurred_at: str | None = Field(
        default=None, description="when the behaviour happened (UTC); `at` is when it was credited"
    )
    at: str = Field(validation_alias=AliasChoices("at", "created_at"))


class LedgerPage(ResponseModel):
    items: list[LedgerEntryOut]
    next_cursor: str | None
