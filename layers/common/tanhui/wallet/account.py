"""Wallet balance, the ledger (newest first), and the conditional debit.

Ledger entries are the behaviour records themselves, listed through gsi1
(gsi1pk=USER#<user>#LEDGER, gsi1sk=<created_at>#<entry id>). A debit writes a `spend` entry and
takes the coins in one write plan (`models.writes`) whose wallet condition is `coins >= :n`, so a
balance never goes negative whatever runs concurrently. What the coins buy can ride in the same
plan (`also=`: e.g. a donation's project total), so nothing is paid for that is not recorded.

A retry of a debit is safe at any time: within the token window it is a no-op (the plan's key is
the debit's reference), and after it the entry at `BEHAVIOUR#spend#<reference>` exists, so the
second debit is refused (`already_debited`) and takes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from tanhui import errors
from tanhui.models.base import utc_now
from tanhui.models.behaviour import BehaviourRecord, ledger_pk
from tanhui.models.pages import decode_cursor, page_items
from tanhui.models.wallet import Wallet
from tanhui.models.writes import Cancelled, WritePlan, retrying
from tanhui.wallet import lots, policy
from tanhui.wallet.schemas import ExpiryOut, LedgerEntryOut, LedgerPage, WalletOut

# adds the caller's named items (puts, updates, deletes, checks) to the debit's plan
PlanItems = Callable[[WritePlan], None]
ENTRY, WALLET = "entry", "wallet"  # the names `add_movement` gives its two items


class ItemConditionFailed(Exception):
    """The condition of one or more of the caller's `also=` items failed; nothing was written.
    `names` are those items' names."""

    def __init__(self, names: set[str]):
        super().__init__(f"conditions failed on {sorted(names)}")
        self.names = names


class WalletNotFound(errors.NotFound):
    code, message = "wallet_not_found", "No wallet; open your profile (GET /v1/me) once to create it."


def raw_wallet(user_id: str) -> dict[str, Any] | None:
    """The wallet item as stored, with its lot counters (no model declares them one by one);
    None if there is none. A strongly consistent read."""
    item = Wallet._get_connection().get_item(*Wallet.key(user_id), consistent_read=True).get("Item")
    return dict(item) if item else None


def balance(user_id: str) -> WalletOut:
    """The wallet as it is now (a strongly consistent read), with the next coins to expire under
    the operator's policy (`wallet.lots`)."""
    item = raw_wallet(user_id)
    if item is None:
        raise WalletNotFound()
    out = WalletOut.model_validate(Wallet.from_raw_data(item))
    found = lots.next_expiry(lots.held(item), policy.current())
    if found is None:
        return out
    return out.model_copy(update={"next_expiry": ExpiryOut(coins=found[0], at=lots.utc_text(found[1]))})


def ledger(
    user_id: str, limit: int = 20, cursor: str | None = None, *, every_entry: bool = False
) -> LedgerPage:
    """The entries that moved coins, newest first. An earn record that paid 0 coins (a saving
    under one coin, whose fraction waits on the carry: `claims.factors`) is not listed unless
    `every_entry` (a copy of the person's data); it stays on the index, so certificates count its
    gCO2e. A stored entry that does not read as an entry is skipped and logged, not a failed page."""
    start = decode_cursor(cursor, {"pk", "sk", "gsi1pk", "gsi1sk"}, equal={"gsi1pk": ledger_pk(user_id)})
    moved_coins = (BehaviourRecord.kind != "earn") | (BehaviourRecord.coins != 0)
    page = BehaviourRecord.ledger.query(
        ledger_pk(user_id),
        filter_condition=None if every_entry else moved_coins,
        scan_index_forward=False,
        limit=limit,
        page_size=limit,
        last_evaluated_key=start,
    )
    items, next_cursor = page_items(page, LedgerEntryOut.model_validate)
    return LedgerPage(items=items, next_cursor=next_cursor)


def add_movement(
    plan: WritePlan, user_id: str, coins: int, *, kind: str, reference: str, now: str,
    channel: str, evidence: dict[str, Any] | None = None,
    wallet_actions: Sequence[Action] = (), wallet_condition: Condition | None = None,
) -> None:
    """Adds to `plan` the two writes of one wallet movement, named `entry` and `wallet`: the
    ledger entry (kind `spend`, `refund` or `expire`) at `BEHAVIOUR#<kind>#<reference>`, put
    once, and the wallet update. A `refund` gives the coins back; any other kind takes them, on
    the condition `coins >= :n` (and `wallet_condition`, when given). `spend` and `refund` move
    `spent_coins`; `wallet_actions` are the caller's further updates of the wallet (an expiry's
    counters). No lot is named: what remains of each lot follows from the balance (oldest
    first, `wallet.lots`), so every movement keeps the lots right."""
    if coins <= 0:
        raise errors.BadRequest("A movement takes a positive number of coins.", code="invalid_amount")
    takes = kind != "refund"
    entry = BehaviourRecord(
        *BehaviourRecord.key(f"BEHAVIOUR#{kind}#{reference}"),
        kind=kind,
        claim_id=reference,
        user_id=user_id,
        behaviour=None,
        channel=channel,
        evidence={"reference": reference, **(evidence or {})},
        coins=-coins if takes else coins,
        gco2e=0,
        created_at=now,
        gsi1pk=ledger_pk(user_id),
        gsi1sk=f"{now}#{reference}",
    ).seal()
    plan.put(ENTRY, entry, condition=BehaviourRecord.pk.does_not_exist())
    spent = [Wallet.spent_coins.add(coins if takes else -coins)] if kind in ("spend", "refund") else []
    condition = Wallet.pk.exists() & (Wallet.coins >= coins) if takes else Wallet.pk.exists()
    plan.update(
        WALLET,
        Wallet(*Wallet.key(user_id)),
        [Wallet.coins.add(-coins if takes else coins), *spent, Wallet.updated_at.set(now), *wallet_actions],
        condition=condition if wallet_condition is None else condition & wallet_condition,
    )


def debit(
    user_id: str,
    coins: int,
    *,
    reference: str,
    description: str | None = None,
    channel: str = "redemption",
    evidence: dict[str, Any] | None = None,
    also: Sequence[PlanItems] = (),
) -> WalletOut:
    """Takes `coins` from the wallet and records a `spend` entry, once per `reference` (e.g. a
    redemption id). Raises InsufficientBalance if the wallet holds fewer coins; a repeated
    reference raises Conflict `already_debited` and takes nothing. `evidence` is added to the
    entry's; `also` add the caller's named items to the same plan: if one of their conditions
    fails, ItemConditionFailed names them (checked before the wallet's own)."""
    if coins <= 0:
        raise errors.BadRequest("A debit takes a positive number of coins.", code="invalid_amount")
    plan = WritePlan(channel, key=(user_id, reference))
    extra = {**({"description": description} if description else {}), **(evidence or {})}
    add_movement(plan, user_id, coins, kind="spend", reference=reference, now=utc_now(), channel=channel,
                 evidence=extra or None)
    for add in also:
        add(plan)
    try:
        retrying(plan.send, operation=channel)
    except Cancelled as cancelled:
        failed = cancelled.failed
        if failed - {ENTRY, WALLET}:
            raise ItemConditionFailed(failed - {ENTRY, WALLET}) from cancelled
        if ENTRY in failed:
            raise errors.Conflict("This debit was already made.", code="already_debited") from cancelled
        if WALLET in failed:
            raise errors.InsufficientBalance() from cancelled
        raise
    return balance(user_id)
