"""Buyback rounds (政府回购): the operator opens one (price per coin and budget in fen, a window,
the eligible behaviours), lists them, and closes one early; tourists list the rounds open now.

A round is open while its status is `open` and now is in [opens_at, closes_at): closing early sets
the status; a round past its window refuses offers without being closed. Price, budget, window
and behaviours never change once the round is opened (an offer's plan conditions on them).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from tanhui import errors, idempotency
from tanhui.buyback.schemas import BuybackRoundIn, BuybackRoundList, BuybackRoundOut
from tanhui.models.base import iso_ms, sortable_id
from tanhui.models.buyback import LISTING, STATUS_CLOSED, STATUS_OPEN, BuybackRound
from tanhui.models.pages import decode_cursor, page_items

OPEN_LISTED = 20  # the most rounds a tourist is shown at once (a city runs a few a year)


class RoundNotFound(errors.NotFound):
    code, message = "buyback_round_not_found", "No such buyback round."


class RoundClosed(errors.Conflict):
    code, message = "buyback_round_closed", "This buyback round is closed or outside its window."


def is_open(found: BuybackRound, now: str) -> bool:
    return found.status == STATUS_OPEN and found.opens_at <= now < found.closes_at


def create_round(req: BuybackRoundIn, created_by: str) -> BuybackRoundOut:
    at = datetime.now(UTC)
    now, round_id = iso_ms(at), sortable_id(at)
    found = BuybackRound(
        *BuybackRound.key(round_id),
        round_id=round_id,
        title_zh=req.title_zh,
        title_en=req.title_en,
        price_fen=req.price_fen,
        budget_fen=req.budget_fen,
        opens_at=req.opens_at,
        closes_at=req.closes_at,
        behaviours=list(req.behaviours),
        status=STATUS_OPEN,
        salt=os.urandom(16).hex(),
        created_by=created_by,
        created_at=now,
        gsi1pk=LISTING,
        gsi1sk=round_id,
    )
    found.save(condition=BuybackRound.pk.does_not_exist())
    return round_out(found)


def create_round_once(
    req: BuybackRoundIn, caller: str, key: str | None
) -> idempotency.Outcome[BuybackRoundOut]:
    """A retried request with the same `Idempotency-Key` gets the round the first one opened."""
    return idempotency.once(
        "buyback rounds", caller, key, req,
        create=lambda _mark: create_round(req, caller), id_of=lambda out: out.round_id,
        replay=lambda round_id: round_out(get_round(round_id)),
    )


def get_round(round_id: str) -> BuybackRound:
    if len(round_id) != 26 or not round_id.isalnum():
        raise RoundNotFound()
    try:
        return BuybackRound.get(*BuybackRound.key(round_id.upper()), consistent_read=True)
    except BuybackRound.DoesNotExist as exc:
        raise RoundNotFound() from exc


def round_out(found: BuybackRound) -> BuybackRoundOut:
    return BuybackRoundOut.model_validate(
        {**found.attribute_values, "remaining_fen": int(found.budget_fen) - int(found.sold_fen)}
    )


def close_round(round_id: str) -> BuybackRoundOut:
    """Closes an open round (a closed one is answered as it is): offers then get 409
    `buyback_round_closed`. What was sold stays sold, and its payouts can still be exported."""
    found = get_round(round_id)
    if found.status == STATUS_OPEN:
        found.update(
            actions=[BuybackRound.status.set(STATUS_CLOSED),
                     BuybackRound.closed_at.set(iso_ms(datetime.now(UTC)))],
            condition=BuybackRound.pk.exists(),
        )
    return round_out(found)


def list_rounds(limit: int, cursor: str | None) -> BuybackRoundList:
    """Every round, newest first, a page at a time."""
    start = decode_cursor(cursor, {"pk", "sk", "gsi1pk", "gsi1sk"}, equal={"gsi1pk": LISTING})
    page = BuybackRound.by_listing.query(
        LISTING, scan_index_forward=False, limit=limit, page_size=limit, last_evaluated_key=start
    )
    items, next_cursor = page_items(page, round_out)
    return BuybackRoundList(items=items, next_cursor=next_cursor)


def open_now(now: str) -> list[BuybackRound]:
    """The newest OPEN_LISTED rounds open at `now` (open status, inside the window)."""
    found = BuybackRound.by_listing.query(
        LISTING, scan_index_forward=False,
        filter_condition=(BuybackRound.status == STATUS_OPEN) & (BuybackRound.closes_at > now)
        & (BuybackRound.opens_at <= now),
        page_size=100,
    )
    rounds: list[BuybackRound] = []
    for each in found:
        rounds.append(each)
        if len(rounds) == OPEN_LISTED:
            break
    return rounds
