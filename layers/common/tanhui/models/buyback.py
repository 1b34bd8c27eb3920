"""Government buyback (政府回购): the operator's rounds, each seller's total in a round, the
tourists' offers and the payout files.

- BuybackRound   pk=BUYBACK#<round id>, sk=ROUND: title, price per coin and budget in fen, the
                 window, eligible behaviours, status, and the counters every accepted offer adds
                 to in its own write plan (`sold_fen`, `sold_coins`, `offers`), on the condition
                 `sold_fen <= budget_fen - amount` with status open and inside the window. Listed
                 through gsi1 (gsi1pk=BUYBACK_ROUNDS, gsi1sk=<round id>: newest first read backwards).
- BuybackSeller  pk=BUYBACK#<round id>, sk=SELLER#<user>: one person's coins, fen and offers in
                 the round, and their payout reference; the offer's plan adds to it on the
                 condition that the coins stay within what the person earned from the round's
                 eligible behaviours. The payouts file is these items, one row each.
- BuybackOffer   pk=USER#<user>, sk=BUYBACK#<offer id>: the tourist's own record of one offer
                 (ids sort by time); its `buyback` ledger entry is BEHAVIOUR#buyback#<offer id>.
- BuybackPayout  pk=BUYBACK#<round id>, sk=PAYOUT#<payout id>: one payouts file written for the
                 paying agency, with its manifest's facts (S3: buyback/<round>/<payout>/…).
"""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute

from tanhui.models.base import Gsi1, TanhuiModel
from tanhui.models.identity import user_pk

ROUND_SK = "ROUND"
SELLER_PREFIX = "SELLER#"
OFFER_PREFIX = "BUYBACK#"
PAYOUT_PREFIX = "PAYOUT#"
LISTING = "BUYBACK_ROUNDS"
STATUS_OPEN, STATUS_CLOSED = "open", "closed"


def round_pk(round_id: str) -> str:
    return f"BUYBACK#{round_id}"


class BuybackRound(TanhuiModel):
    round_id = UnicodeAttribute()
    title_zh = UnicodeAttribute()
    title_en = UnicodeAttribute()
    price_fen = NumberAttribute()  # fen paid per coin
    budget_fen = NumberAttribute()  # never exceeded: every offer's plan is conditional on it
    opens_at = UnicodeAttribute()  # UTC ISO-8601, inclusive
    closes_at = UnicodeAttribute()  # UTC ISO-8601, exclusive
    behaviours: ListAttribute = ListAttribute(of=UnicodeAttribute)  # eligible (claims.schemas.BEHAVIOURS)
    status = UnicodeAttribute(default=STATUS_OPEN)  # open | closed
    sold_fen = NumberAttribute(default=0)
    sold_coins = NumberAttribute(default=0)
    offers = NumberAttribute(default=0)
    salt = UnicodeAttribute()  # secret of the round's payout references (never shown)
    created_by = UnicodeAttribute()
    created_at = UnicodeAttribute()
    closed_at = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()

    by_listing = Gsi1()

    @staticmethod
    def key(round_id: str) -> tuple[str, str]:
        return round_pk(round_id), ROUND_SK


class BuybackSeller(TanhuiModel):
    user_id = UnicodeAttribute(null=True)
    reference = UnicodeAttribute(null=True)  # the payout file's person reference
    coins = NumberAttribute(default=0)
    amount_fen = NumberAttribute(default=0)
    offers = NumberAttribute(default=0)
    updated_at = UnicodeAttribute(null=True)

    @staticmethod
    def key(round_id: str, user_id: str) -> tuple[str, str]:
        return round_pk(round_id), f"{SELLER_PREFIX}{user_id}"


class BuybackOffer(TanhuiModel):
    offer_id = UnicodeAttribute()
    round_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    title_zh = UnicodeAttribute()
    title_en = UnicodeAttribute()
    coins = NumberAttribute()
    price_fen = NumberAttribute()
    amount_fen = NumberAttribute()
    reference = UnicodeAttribute()
    created_at = UnicodeAttribute()

    @staticmethod
    def key(user_id: str, offer_id: str) -> tuple[str, str]:
        return user_pk(user_id), f"{OFFER_PREFIX}{offer_id}"


class BuybackPayout(TanhuiModel):
    payout_id = UnicodeAttribute()
    round_id = UnicodeAttribute()
    rows = NumberAttribute()
    coins = NumberAttribute()
    amount_fen = NumberAttribute()
    file_sha256 = UnicodeAttribute()
    file_bytes = NumberAttribute()
    manifest_sha256 = UnicodeAttribute()
    created_by = UnicodeAttribute()
    created_at = UnicodeAttribute()

    @staticmethod
    def key(round_id: str, payout_id: str) -> tuple[str, str]:
        return round_pk(round_id), f"{PAYOUT_PREFIX}{payout_id}"
