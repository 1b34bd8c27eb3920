"""Response bodies of the wallet and ledger APIs."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field

from tanhui.response_models import Map, ResponseModel


class WalletOut(ResponseModel):
    coins: int
    gco2e: int
    lifetime_coins: int = 0
    lifetime_gco2e: int = 0
    spent_coins: int = 0
    updated_at: str | None = None


class LedgerEntryOut(ResponseModel):
    """An entry of the ledger, read from its behaviour record (`claim_id` is the entry's id)."""

    entry_id: str = Field(validation_alias=AliasChoices("entry_id", "claim_id"))
    kind: Literal["earn", "spend", "refund", "adjust"]
    behaviour: str | None
    partner_id: str | None
    partner_name: str | None
    asset_id: str | None
    asset_name: str | None
    evidence: Map
    factor_version: int | None
    coins: int
    gco2e: int
    at: str = Field(validation_alias=AliasChoices("at", "created_at"))


class LedgerPage(ResponseModel):
    items: list[LedgerEntryOut]
    next_cursor: str | None
