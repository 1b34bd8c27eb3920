"""A tourist offers coins into an open buyback round; what each may offer; their offers.

**Eligible.** A person may sell into a round at most the coins they earned from the round's
eligible behaviours: the sum of their credited `earn` ledger entries of those behaviours (the
ledger, gsi1: exact, per behaviour, every channel; a credit of the last second may not be on the
index yet, which only lowers the cap), less what they already sold into the round (their seller
item), and never more than their balance.

**One write plan** per offer: the `buyback` ledger entry and the wallet's conditional debit
(`wallet.account.add_movement`: `coins >= n`), the round's counters on the condition that it is
open, inside its window and `sold_fen <= budget_fen - amount` (the budget is never exceeded,
whatever runs at once: an offer the remaining budget cannot take whole is refused, 409
`buyback_budget_exhausted` with the remaining budget in the details), the seller's counters on
the condition that they stay within what the person earned from the eligible behaviours, the
offer record and the `Idempotency-Key`'s mark. Contention (every offer of a round updates its one
item) is retried by `models.writes.retrying`.

A retry after a lost reply is safe at any time: within the token window the plan's key (the
offer id) makes it a no-op, and after it the offer record and the ledger entry at
`BEHAVIOUR#buyback#<offer id>` exist, so the second write is refused and takes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import UTC, datetime

from tanhui import errors, idempotency
from tanhui.buyback.rounds import RoundClosed, get_round, is_open, open_now, round_out
from tanhui.buyback.schemas import (
    BuybackOfferIn,
    BuybackOfferList,
    BuybackOfferOut,
    OpenBuybackRoundOut,
    OpenBuybackRounds,
)
from tanhui.models.base import iso_ms, sortable_id
from tanhui.models.behaviour import STATUS_CREDITED, BehaviourRecord, ledger_pk
from tanhui.models.buyback import OFFER_PREFIX, STATUS_OPEN, BuybackOffer, BuybackRound, BuybackSeller
from tanhui.models.identity import user_pk
from tanhui.models.pages import decode_cursor, page_items
from tanhui.models.wallet import Wallet
from tanhui.models.writes import Cancelled, WritePlan, retrying
from tanhui.observability import metrics
from tanhui.wallet import account

KIND = "buyback"  # the ledger entry's kind
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class BudgetExhausted(errors.Conflict):
    code, message = "buyback_budget_exhausted", "The round's remaining budget cannot take this offer."


class NotEligible(errors.Conflict):
    code, message = "buyback_not_eligible", (
        "You may offer at most the coins you earned from this round's behaviours, less what you "
        "already sold into it."
    )


class InsufficientCoins(errors.Conflict):
    code, message = "insufficient_coins", "The wallet does not hold enough coins for this offer."


def reference_of(salt: str, user_id: str) -> str:
    """The person's payout reference in a round: 16 Crockford base32 characters of
    HMAC-SHA256(round's secret salt, user id). Stable in the round, different in every round,
    and nobody without the table can tell whose it is."""
    mac = hmac.new(bytes.fromhex(salt), user_id.encode(), hashlib.sha256).digest()
    digest = int.from_bytes(mac[:10], "big")
    return "".join(_CROCKFORD[(digest >> shift) & 31] for shift in range(75, -1, -5))


def earned_by_behaviour(user_id: str, behaviours: Iterable[str]) -> dict[str, int]:
    """{behaviour: coins} the person earned from `behaviours`: their credited earn entries,
    summed (one read of their ledger, whatever the number of behaviours or rounds)."""
    wanted = sorted(set(behaviours))
    earned = dict.fromkeys(wanted, 0)
    if not wanted:
        return earned
    entries = BehaviourRecord.ledger.query(
        ledger_pk(user_id),
        filter_condition=(BehaviourRecord.kind == "earn") & (BehaviourRecord.status == STATUS_CREDITED)
        & BehaviourRecord.behaviour.is_in(*wanted),
        attributes_to_get=["coins", "behaviour"],
    )
    for entry in entries:
        earned[str(entry.behaviour)] += int(entry.coins or 0)
    return earned


def eligible_coins(user_id: str, behaviours: list[str]) -> int:
    """Coins the person earned from `behaviours`."""
    return sum(earned_by_behaviour(user_id, behaviours).values())


def _sold(round_id: str, user_id: str) -> int:
    try:
        return int(BuybackSeller.get(*BuybackSeller.key(round_id, user_id), consistent_read=True).coins)
    except BuybackSeller.DoesNotExist:
        return 0


def _balance(user_id: str) -> int:
    try:
        return int(Wallet.get(*Wallet.key(user_id), consistent_read=True).coins)
    except Wallet.DoesNotExist:
        return 0


# ------------------------------------------------------------------------------------ reading
def open_rounds(user_id: str) -> OpenBuybackRounds:
    """The rounds open now, each with what the caller may still offer into it."""
    now = iso_ms(datetime.now(UTC))
    balance = _balance(user_id)
    found_rounds = open_now(now)
    per_behaviour = earned_by_behaviour(user_id, (str(b) for r in found_rounds for b in r.behaviours))
    items = []
    for found in found_rounds:
        earned = sum(per_behaviour[str(b)] for b in found.behaviours)
        sold = _sold(found.round_id, user_id)
        out = round_out(found)
        by_budget = out.remaining_fen // int(found.price_fen)
        items.append(OpenBuybackRoundOut(
            **out.model_dump(), eligible_coins=earned, sold_coins_mine=sold, balance_coins=balance,
            max_offer_coins=max(0, min(earned - sold, balance, by_budget)),
        ))
    return OpenBuybackRounds(items=items)


def offer_out(user_id: str, offer_id: str) -> BuybackOfferOut:
    """An offer an Idempotency-Key recorded (it exists: the key records only made ones)."""
    return BuybackOfferOut.model_validate(BuybackOffer.get(*BuybackOffer.key(user_id, offer_id)))


def my_offers(user_id: str, limit: int, cursor: str | None) -> BuybackOfferList:
    pk = user_pk(user_id)
    start = decode_cursor(cursor, {"pk", "sk"}, equal={"pk": pk}, prefix={"sk": OFFER_PREFIX})
    page = BuybackOffer.query(
        pk, BuybackOffer.sk.startswith(OFFER_PREFIX), scan_index_forward=False,
        limit=limit, page_size=limit, last_evaluated_key=start,
    )
    items, next_cursor = page_items(page, BuybackOfferOut.model_validate)
    return BuybackOfferList(items=items, next_cursor=next_cursor)


# ------------------------------------------------------------------------------------ offering
def offer_once(
    user_id: str, round_id: str, req: BuybackOfferIn, key: str | None
) -> idempotency.Outcome[BuybackOfferOut]:
    """A retry with the same `Idempotency-Key` and body gets the offer the first one made."""
    return idempotency.once(
        "buyback offers", user_id, key, {"round_id": round_id, **req.model_dump(mode="json")},
        create=lambda mark: offer(user_id, round_id, req, mark),
        id_of=lambda out: out.offer_id,
        replay=lambda offer_id: offer_out(user_id, offer_id),
    )


def _remaining(found: BuybackRound) -> list[dict[str, int]]:
    """The error's details: what the round can still take."""
    remaining = int(found.budget_fen) - int(found.sold_fen)
    return [{"remaining_fen": remaining, "max_coins": remaining // int(found.price_fen)}]


def _not_eligible(earned: int, sold: int) -> NotEligible:
    most = max(0, earned - sold)
    return NotEligible(details=[{"eligible_coins": earned, "sold_coins": sold, "max_coins": most}])


def offer(
    user_id: str, round_id: str, req: BuybackOfferIn, mark: idempotency.Mark = idempotency.no_key
) -> BuybackOfferOut:
    found = get_round(round_id)
    at = datetime.now(UTC)
    now, offer_id = iso_ms(at), sortable_id(at)
    if not is_open(found, now):
        raise RoundClosed()
    price, coins = int(found.price_fen), req.coins
    amount = coins * price
    if amount > int(found.budget_fen) - int(found.sold_fen):
        raise BudgetExhausted(details=_remaining(found))
    earned = eligible_coins(user_id, [str(b) for b in found.behaviours])
    sold = _sold(found.round_id, user_id)
    if sold + coins > earned:
        raise _not_eligible(earned, sold)
    reference = reference_of(found.salt, user_id)
    record = BuybackOffer(
        *BuybackOffer.key(user_id, offer_id),
        offer_id=offer_id, round_id=found.round_id, user_id=user_id, title_zh=found.title_zh,
        title_en=found.title_en, coins=coins, price_fen=price, amount_fen=amount, reference=reference,
        created_at=now,
    )
    plan = WritePlan(KIND, key=(user_id, offer_id))
    account.add_movement(
        plan, user_id, coins, kind=KIND, reference=offer_id, now=now, channel=KIND,
        evidence={"round_id": found.round_id, "price_fen": price, "amount_fen": amount},
    )
    plan.update(
        "round", BuybackRound(*BuybackRound.key(found.round_id)),
        [BuybackRound.sold_fen.add(amount), BuybackRound.sold_coins.add(coins), BuybackRound.offers.add(1)],
        condition=(BuybackRound.status == STATUS_OPEN) & (BuybackRound.opens_at <= now)
        & (BuybackRound.closes_at > now) & (BuybackRound.sold_fen <= int(found.budget_fen) - amount),
    )
    plan.update(
        "seller", BuybackSeller(*BuybackSeller.key(found.round_id, user_id)),
        [BuybackSeller.coins.add(coins), BuybackSeller.amount_fen.add(amount), BuybackSeller.offers.add(1),
         BuybackSeller.user_id.set(user_id), BuybackSeller.reference.set(reference),
         BuybackSeller.updated_at.set(now)],
        condition=BuybackSeller.coins.does_not_exist() | (BuybackSeller.coins <= earned - coins),
    )
    plan.put("offer", record, condition=BuybackOffer.pk.does_not_exist())
    mark(plan, offer_id)
    try:
        retrying(plan.send, operation=KIND)
    except Cancelled as cancelled:
        _refusal(cancelled.failed, found.round_id, user_id, earned)
    metrics.add_metric(name="BuybackOffer", unit="Count", value=1)
    return BuybackOfferOut.model_validate(record)


def _refusal(failed: set[str], round_id: str, user_id: str, earned: int) -> None:
    """Why the plan was refused, from its items' names (the round's and the seller's as they are now)."""
    if "round" in failed:
        found = get_round(round_id)
        if not is_open(found, iso_ms(datetime.now(UTC))):
            raise RoundClosed()
        raise BudgetExhausted(details=_remaining(found))
    if "seller" in failed:
        raise _not_eligible(earned, _sold(round_id, user_id))
    if account.WALLET in failed:
        raise InsufficientCoins()
    raise errors.Conflict("This offer was already made.", code="already_debited")
