"""The scheduled expiry of coins (积分过期): every lot past its expiry under the operator's
policy gives up what remains of it, exactly once, oldest first.

The worklist is the wallets holding coins: a parallel Scan (`segments` workers, each its own
Scan segment, filtered to wallet items with coins) — bench/SCALE.md weighs it against a sparse
index at a million wallets. For each wallet and each lot due (`wallet.lots.due`) one write plan
(`models.writes`), through `wallet.account.add_movement`:

    entry   Put     the ledger entry (kind `expire`, coins −n) at
                    BEHAVIOUR#expire#<user>#<year>#<coins of the lot expired before>,
                    attribute_not_exists(pk)
    wallet  Update  coins − n, expired_coins + n, expired_<year> + n, on the condition that the
                    wallet is as read: coins, lifetime_coins and expired_<year> unchanged

n is exactly what remains of the lot (`wallet.lots.remaining`), which only the balance and the
lots decide: a spend, refund or credit meanwhile changes coins or lifetime_coins (lifetime only
grows, so no change hides behind an equal balance), the condition fails, and the wallet is read
again and planned again. A second run, or two at once, plan the same entry key and the same
condition, so the coins go once; a retry after a lost reply is a no-op within the token window
(the plan's key is the entry's) and refused by the same conditions after it. A refund of coins
spent from a lot that expired meanwhile brings them back into that lot; the next run expires
them with a second entry (its key counts what the lot had expired before).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pynamodb.expressions.condition import Condition

from tanhui import errors
from tanhui.models.base import iso_ms
from tanhui.models.wallet import EXPIRED_PREFIX, Wallet, counter, expired_attribute, year_counters
from tanhui.models.writes import WORKER, Cancelled, WritePlan, retrying
from tanhui.observability import logger
from tanhui.wallet import lots, policy
from tanhui.wallet.account import add_movement, raw_wallet

SEGMENTS = 8  # parallel Scan segments (threads) of one run: under the models' pool of 10 connections
PAGE = 1000  # items read per Scan request (before the filter)
ATTEMPTS = 5  # a wallet changed under a plan is read and planned again at most this often


@dataclass
class ExpiryRun:
    wallets: int = 0  # wallets read (holding coins)
    entries: int = 0  # expire entries written
    coins: int = 0  # coins expired
    replanned: int = 0  # plans refused because the wallet changed: read again
    left: int = 0  # wallets left for the next run (busy after every retry, or changing throughout)
    requests: int = 0  # DynamoDB requests: Scan pages, writes, re-reads
    scanned: int = 0  # items the Scan read (every item of the table, wallets or not)

    def add(self, other: ExpiryRun) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def run(*, at: datetime | None = None, segments: int = SEGMENTS) -> ExpiryRun:
    """Expires what is due at `at` (now) under the policy in force; nothing without one."""
    now = at or datetime.now(UTC)
    rule = policy.current(consistent=True)
    total = ExpiryRun()
    if lots.years_kept(rule) is None:
        return total
    with ThreadPoolExecutor(segments) as pool:
        for part in pool.map(lambda s: _segment(s, segments, rule, now), range(segments)):
            total.add(part)
    logger.info("coins expired", extra={"wallets": total.wallets, "entries": total.entries,
                                         "coins": total.coins, "replanned": total.replanned})
    return total


def _segment(segment: int, segments: int, rule: lots.Policy, now: datetime) -> ExpiryRun:
    done = ExpiryRun()
    connection = Wallet._get_connection()
    start: dict[str, Any] | None = None
    while True:
        page = connection.scan(
            filter_condition=(Wallet.sk == "WALLET") & (Wallet.coins > 0),
            segment=segment, total_segments=segments, limit=PAGE,
            exclusive_start_key=start,  # type: ignore[arg-type]  # the key as the last page gave it
        )
        done.requests += 1
        done.scanned += int(page.get("ScannedCount", 0))
        for item in page.get("Items", []):
            done.wallets += 1
            done.add(expire_wallet(item, rule, now))
        start = page.get("LastEvaluatedKey")
        if not start:
            return done


def _same(name: str, item: dict[str, Any]) -> Condition:
    """The wallet's counter `name` is as read (absent stays absent)."""
    found = item.get(name)
    return counter(name).does_not_exist() if found is None else counter(name) == int(found["N"])


def expire_wallet(item: dict[str, Any], rule: lots.Policy, now: datetime) -> ExpiryRun:
    """Expires each lot of one wallet (a raw item, as read) due at `now`, oldest first."""
    done = ExpiryRun()
    user_id = item["user_id"]["S"]
    now_text = iso_ms(now)
    for _ in range(ATTEMPTS):
        due = lots.due(lots.held(item), rule, now)
        if not due:
            return done
        year = due[0]
        coins = lots.held(item)[year]
        before = year_counters(item, EXPIRED_PREFIX).get(year, 0)
        reference = f"{user_id}#{year}#{before}"
        plan = WritePlan("expire", key=(reference,))
        add_movement(
            plan, user_id, coins, kind="expire", reference=reference, now=now_text, channel="expiry",
            evidence={"lot": year, "expires_at": lots.utc_text(lots.expires_at(year, rule) or now)},
            wallet_actions=[Wallet.expired_coins.add(coins), counter(expired_attribute(year)).add(coins)],
            wallet_condition=(_same("coins", item) & _same("lifetime_coins", item)
                              & _same(expired_attribute(year), item)),
        )
        done.requests += 1
        try:
            retrying(plan.send, operation="expire", budget=WORKER)
        except Cancelled:  # changed meanwhile (or expired by a concurrent run): read again
            done.replanned += 1
        except errors.Busy:  # contended after every retry: the next run takes it, the others go on
            logger.warning("wallet busy: its expiry waits for the next run", extra={"user_id": user_id})
            done.left += 1
            return done
        else:
            done.entries += 1
            done.coins += coins
            if len(due) == 1:
                return done
        fresh = raw_wallet(user_id)
        done.requests += 1
        if fresh is None:
            return done
        item = fresh
    logger.warning("wallet kept changing: its expiry waits for the next run", extra={"user_id": user_id})
    done.left += 1
    return done
