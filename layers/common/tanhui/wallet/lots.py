"""Lots and their expiry, as plain arithmetic (no AWS): what remains of each year's coins and
when it expires.

The coins credited in a local (Asia/Shanghai) year are that year's lot: earned(Y), a counter on
the wallet (`lot_<YYYY>`). Coins are spent oldest first, whatever takes them (a redemption, a
donation, an expiry, any later debit), and a refund gives back the coins last taken. With
out = Σearned − coins (everything taken, less what came back), what remains of a lot is

    remaining(Y) = clamp(Σearned(≤Y) − out, 0, earned(Y))

so no debit has to name a lot: the balance and the lots say it all, and every movement that
keeps wallet = Σ ledger keeps the lots right. Coins the wallet holds beyond Σearned (credited
before lots were counted) are the oldest lot: they belong to the year the wallet was made.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from tanhui.models.wallet import LOT_PREFIX, year_counters

LOCAL = ZoneInfo("Asia/Shanghai")  # lots are local years, as caps and totals count local days


class Policy(Protocol):
    @property
    def expiry(self) -> str: ...

    @property
    def years(self) -> int | None: ...


def lot_year(at: datetime) -> int:
    return at.astimezone(LOCAL).year


def remaining(earned: Mapping[int, int], coins: int, base_year: int) -> dict[int, int]:
    """{year: coins left} of each lot still holding coins, oldest first; `base_year` takes the
    coins beyond Σearned (older than every lot counted)."""
    out = sum(earned.values()) - coins
    left: dict[int, int] = {}
    below = 0  # Σearned(≤Y)
    for year in sorted(earned):
        below += earned[year]
        left[year] = max(0, min(below - out, earned[year]))
    if out < 0:  # coins no lot counts: the oldest of all
        year = min([base_year, *earned])
        left[year] = left.get(year, 0) - out
    return {year: n for year, n in sorted(left.items()) if n > 0}


def years_kept(policy: Policy) -> int | None:
    """How many years after its own a lot lasts to the end of (None: for ever)."""
    if policy.expiry == "end_of_next_year":
        return 1
    if policy.expiry == "years_after":
        return int(policy.years or 1)
    return None


def expires_at(year: int, policy: Policy) -> datetime | None:
    """When lot `year` expires (UTC): the end of local year `year` + n; None without expiry."""
    kept = years_kept(policy)
    if kept is None:
        return None
    return datetime(year + kept + 1, 1, 1, tzinfo=LOCAL).astimezone(UTC)


def due(left: Mapping[int, int], policy: Policy, now: datetime) -> list[int]:
    """The lots holding coins whose expiry is not after `now`, oldest first."""
    return [y for y in sorted(left) if (at := expires_at(y, policy)) is not None and at <= now]


def next_expiry(left: Mapping[int, int], policy: Policy) -> tuple[int, datetime] | None:
    """(coins, when) of the oldest lot holding coins, under `policy` (None: nothing expires)."""
    for year in sorted(left):
        at = expires_at(year, policy)
        if at is not None:
            return left[year], at
    return None


def held(item: Mapping[str, Any]) -> dict[int, int]:
    """What remains of each lot of a raw wallet item (as GetItem or Scan return it)."""
    coins = int(item.get("coins", {}).get("N", 0))
    made = item.get("created_at", {}).get("S")
    made_at = datetime.fromisoformat(made.replace("Z", "+00:00")) if made else datetime.now(UTC)
    base = lot_year(made_at)
    return remaining(year_counters(item, LOT_PREFIX), coins, base)


def utc_text(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
