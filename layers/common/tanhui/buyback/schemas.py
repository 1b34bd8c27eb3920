"""Request and response bodies of buyback rounds, offers and payout files. Money is integer fen
(分), coins are integers, times are UTC ISO-8601 with `Z`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from tanhui.claims.schemas import BEHAVIOURS
from tanhui.limits import Ulid
from tanhui.request_models import RequestModel
from tanhui.response_models import ResponseModel
from tanhui.spending.schemas import UtcTime

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Behaviour = Literal[BEHAVIOURS]  # type: ignore[valid-type]
RoundStatus = Literal["open", "closed"]
RoundId = Ulid
MAX_FEN = 10**13  # 1,000 亿元: more than any programme's budget


class BuybackRoundIn(RequestModel):
    logged_fields = ("title_zh", "title_en", "price_fen", "budget_fen", "opens_at", "closes_at", "behaviours")

    title_zh: Title
    title_en: Title
    price_fen: Annotated[int, Field(ge=1, le=100_000, description="fen paid per coin (1 = ¥0.01)")]
    budget_fen: Annotated[int, Field(ge=1, le=MAX_FEN, description="the round never pays more")]
    opens_at: UtcTime
    closes_at: UtcTime
    behaviours: Annotated[list[Behaviour], Field(min_length=1, max_length=len(BEHAVIOURS))] = Field(
        description="the behaviours whose coins the round buys (each once)"
    )

    @model_validator(mode="after")
    def _valid(self) -> BuybackRoundIn:
        if self.closes_at <= self.opens_at:
            raise ValueError("closes_at must be after opens_at")
        if len(set(self.behaviours)) != len(self.behaviours):
            raise ValueError("name each behaviour once")
        return self


class BuybackRoundOut(ResponseModel):
    round_id: str
    title_zh: str
    title_en: str
    price_fen: int
    budget_fen: int
    opens_at: str
    closes_at: str
    behaviours: list[str]
    status: RoundStatus
    sold_fen: int
    sold_coins: int
    offers: int
    remaining_fen: int = Field(description="budget_fen - sold_fen")
    created_at: str
    closed_at: str | None = None


class BuybackRoundList(ResponseModel):
    items: list[BuybackRoundOut]
    next_cursor: str | None


class OpenBuybackRoundOut(BuybackRoundOut):
    """A round open now, with what the caller may still offer into it."""

    eligible_coins: int = Field(description="coins earned from the round's behaviours")
    sold_coins_mine: int = Field(description="coins the caller already sold into this round")
    balance_coins: int = Field(description="the caller's wallet balance")
    max_offer_coins: int = Field(
        description="min(eligible - sold, balance, remaining budget // price): the most one offer may take"
    )


class OpenBuybackRounds(ResponseModel):
    items: list[OpenBuybackRoundOut]


class BuybackOfferIn(RequestModel):
    coins: Annotated[int, Field(ge=1, le=10**9)]


class BuybackOfferOut(ResponseModel):
    offer_id: str
    round_id: str
    title_zh: str
    title_en: str
    coins: int
    price_fen: int
    amount_fen: int
    reference: str = Field(description="the person's payout reference in this round (the payouts file's)")
    created_at: str


class BuybackOfferList(ResponseModel):
    items: list[BuybackOfferOut]
    next_cursor: str | None


class BuybackPayoutOut(ResponseModel):
    payout_id: str
    round_id: str
    rows: int
    coins: int
    amount_fen: int
    file_sha256: str
    manifest_sha256: str
    created_at: str
    file_url: str | None = Field(default=None, description="a 15-minute link to payouts.csv")
    manifest_url: str | None = Field(default=None, description="a 15-minute link to manifest.json")
