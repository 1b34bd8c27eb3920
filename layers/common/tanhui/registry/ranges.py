"""Serial ranges and the one way units move: an account's lowest held serials, taken whole range
by range, splitting at most one.

`add_move(plan, source, units, to=…)` adds to a write plan the moves of `source`'s lowest `units`
held serials to account `to` (a transfer) or into `retired` (`to=None`): every whole range it
takes is updated in place (account, status, `version + 1`), the last one taken only in part is
shrunk to the part taken and the rest put at its own start, each on the condition that the range
still has the version, end, account and status read. Both accounts' counters ride in the same
plan (`held_units >= units` on the source). So a unit is never in two ranges, never moves twice
from one reading, and a retired range never moves again (its status is no longer `held`).

`move(...)` sends such a plan, reading and planning again when another move took the same ranges
first (their conditions failed), inside `BUDGET`; when the budget is spent the caller gets
`errors.Busy` (409 `busy`): nothing was written. Σ issued = Σ held + Σ retired at every commit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from tanhui import errors
from tanhui.models.base import iso_ms
from tanhui.models.registry import HELD, RETIRED, RegistryAccount, UnitRange, ranges_pk, serial_key
from tanhui.models.writes import Budget, Cancelled, WritePlan, retryable, retrying

MAX_RANGES = 80  # ranges one move may take: a plan holds at most 100 items
SOURCE, DESTINATION = "source account", "destination account"
# another move won the same ranges: read them again and plan again (the ranges are few, the
# contenders many, so more attempts than an API write's)
BUDGET = Budget(attempts=16, base=0.02, cap=0.4)
Ranges = list[list[int]]  # [[start, end), ...]


class InsufficientUnits(errors.Conflict):
    code, message = "registry_insufficient_units", "The account does not hold that many units."


class TooFragmented(errors.Conflict):
    code, message = "registry_too_fragmented", (
        f"Those units lie in more than {MAX_RANGES} serial ranges; move fewer units at a time."
    )


def label(serial: int) -> str:
    """A serial as people read it: TH-000000000042."""
    return f"TH-{serial_key(serial)}"


def lowest_held(account_id: str, units: int) -> list[UnitRange]:
    """The account's held ranges from its lowest serial until they hold `units`."""
    picked, total = [], 0
    for found in UnitRange.by_account.query(ranges_pk(account_id, HELD), page_size=50):
        if found.status != HELD or found.account_id != account_id:  # the index not yet caught up
            continue
        picked.append(found)
        total += found.units
        if total >= units:
            return picked
        if len(picked) >= MAX_RANGES:
            raise TooFragmented()
    raise InsufficientUnits(details=[{"held_units": total, "units": units}])


def add_move(plan: WritePlan, source: str, units: int, *, to: str | None, moved_by: str, now: str) -> Ranges:
    """Adds the move of `source`'s lowest `units` held serials to `to` (None: retired); the
    ranges moved, lowest first."""
    owner, status = (to, HELD) if to is not None else (source, RETIRED)
    left, moved = units, []
    for found in lowest_held(source, units):
        start, end = int(found.start), int(found.end)
        take = min(left, end - start)
        actions = [UnitRange.account_id.set(owner), UnitRange.status.set(status), UnitRange.version.add(1),
                   UnitRange.moved_by.set(moved_by), UnitRange.updated_at.set(now),
                   UnitRange.gsi1pk.set(ranges_pk(owner, status))]
        if start + take < end:
            actions.append(UnitRange.end.set(start + take))
            rest = UnitRange(*UnitRange.key(start + take), start=start + take, end=end, account_id=source,
                             status=HELD, issuance_id=found.issuance_id, version=0, updated_at=now,
                             gsi1pk=ranges_pk(source, HELD), gsi1sk=serial_key(start + take))
            plan.put(f"split {start + take}", rest, condition=UnitRange.pk.does_not_exist())
        plan.update(f"range {start}", UnitRange(*UnitRange.key(start)), actions,
                    condition=(UnitRange.version == int(found.version)) & (UnitRange.end == end)
                    & (UnitRange.account_id == source) & (UnitRange.status == HELD))
        moved.append([start, start + take])
        left -= take
    taken = [RegistryAccount.held_units.add(-units), RegistryAccount.updated_at.set(now)]
    if to is None:
        taken.append(RegistryAccount.retired_units.add(units))
    plan.update(SOURCE, RegistryAccount(*RegistryAccount.key(source)), taken,
                condition=RegistryAccount.pk.exists() & (RegistryAccount.held_units >= units))
    if to is not None:
        plan.update(DESTINATION, RegistryAccount(*RegistryAccount.key(to)),
                    [RegistryAccount.held_units.add(units), RegistryAccount.updated_at.set(now)],
                    condition=RegistryAccount.pk.exists())
    return moved


def _lost_to_another_move(exc: BaseException) -> bool:
    if retryable(exc):
        return True
    if not isinstance(exc, Cancelled) or not exc.failed:
        return False
    return all(name.startswith(("range ", "split ")) or name == SOURCE for name in exc.failed)


def move(
    source: str, units: int, *, to: str | None, operation: str, moved_by: str,
    also: Callable[[WritePlan, Ranges, str], None], written: Callable[[], bool],
) -> tuple[Ranges, str] | None:
    """Moves `units` from `source` (to `to`, or retired) in one plan with the caller's items
    (`also(plan, ranges, now)`: the record of the move, a wallet's debit, an Idempotency-Key);
    (the ranges moved, the time written). A failed condition of the caller's items raises
    `Cancelled` naming them. The time is read once: a retry after a lost reply whose ranges did
    not move sends the same plan (the same token). Every attempt after the first asks `written()`
    first (the caller's record of the move, put once at its id, exists): then the move was made by
    an attempt whose reply was lost, and None is returned; the units it took are not looked for
    again (the account may hold no more)."""
    now = iso_ms(datetime.now(UTC))
    attempts: list[int] = []

    def attempt() -> tuple[Ranges, str] | None:
        if attempts and written():
            return None
        attempts.append(1)
        plan = WritePlan(operation, key=(moved_by,))
        moved = add_move(plan, source, units, to=to, moved_by=moved_by, now=now)
        also(plan, moved, now)
        plan.send()
        return moved, now

    return retrying(attempt, operation=operation, budget=BUDGET, retry_if=_lost_to_another_move)


def held_ranges(account_id: str, status: str = HELD) -> list[UnitRange]:
    """Every range of the account with `status`, lowest first."""
    return [r for r in UnitRange.by_account.query(ranges_pk(account_id, status), scan_index_forward=True)
            if r.account_id == account_id and r.status == status]
