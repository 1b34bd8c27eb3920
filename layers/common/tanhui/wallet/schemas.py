"""Response bodies of the wallet and ledger APIs."""

from __future__ import annotations

from typing import Literal

from tanhui.response_models import ResponseModel


class WalletOut(ResponseModel):
    coins: int
    gco2e: int
    lifetime_coins: int = 0
    lifetime_gco2e: int = 0
    spent_coins: int = 0
    updated_at: str | None = None


class LedgerEntryOut(ResponseModel):
    entry_id: str
    kind: Literal["earn", "spend", "adjust"]
    behaviour: str | None
    partner_id: str | None
    partner_name: str | None
    asset_id: str | None
    asset_name: str | None
    evidence: dict
    factor_version: int | None
    coins: int
    gco2e: int
    at: str


class LedgerPage(ResponseModel):
    items: list[LedgerEntryOut]
    next_cursor: str | None
