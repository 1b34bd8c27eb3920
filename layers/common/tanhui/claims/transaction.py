"""The claim's one write plan (`models.writes`): two named items (three for a behaviour that takes
part in the peers' de-duplication), no shared item.

    record  Put     the behaviour record at its de-duplication key, attribute_not_exists(pk)
    peer    Update  only for a behaviour that takes part in the network's de-duplication
               (`claims.peers`): its `PeerKey`, ours, on the condition that no peer holds it
    wallet  Update  the user's wallet, if it carries the user's consent: credit, lifetime totals, the
               lot of the credit's local year (`lot_<YYYY>`, coins: `models.wallet`), and
               today's cap counter for the behaviour (a top-level attribute `cap_<YYYYMMDD>_<behaviour>`,
               in coins; and `capm_<YYYYMM>_<behaviour>` when the factor has a monthly cap), and
               for a file row with a fraction of a coin, the behaviour's carry (`carry_<behaviour>`,
               milli-coins; see `claims.factors` on rounding)

Both keys belong to one user or one printed code, never to an asset, partner or factor: claims of
different users never write or condition-check the same item (unless they scan the same code).
Asset and batch revocation is refused before the write, from the cached asset (`claims.scan`).
`refusal()` turns the cancellation reasons back into what the client is told.

A retry is safe at any time: within DynamoDB's 10-minute window the plan's `ClientRequestToken`
(from the de-duplication key and the user) makes a retry of a committed claim a no-op, and after
it the record's `attribute_not_exists(pk)` refuses the second write, whose ALL_OLD record is the
caller's own (`Existing`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import CancellationReason

from tanhui import errors
from tanhui.claims.keys import LOCAL
from tanhui.claims.peers import CountedElsewhere
from tanhui.models.behaviour import STATUS_REVOKED, BehaviourRecord
from tanhui.models.wallet import Wallet, lot_attribute
from tanhui.models.writes import Cancelled, WritePlan

CAP_CLEANUP_DAYS = 7  # earlier days' counters of the behaviour are removed on each credit
CONSENT = Wallet.consent_version.attr_name  # no consent on the wallet: nothing is credited
WITHDRAWN = Wallet.consent_withdrawn_at.attr_name  # and this on it: the person withdrew it


def while_withdrawn(wallet: Mapping[str, Any], first: str, last: str) -> bool:
    """Whether a behaviour between `first` and `last` (ISO times) fell in the wallet's last
    withdrawal of consent (raw item, as ALL_OLD returns it): after it, before the consent given
    again."""
    withdrawn = (wallet.get(WITHDRAWN) or {}).get("S")
    consent_at = (wallet.get(Wallet.consent_at.attr_name) or {}).get("S")
    return bool(withdrawn and consent_at and first < consent_at and withdrawn <= last)


class WalletMissing(errors.Conflict):
    code = "wallet_missing"
    message = "The account is not fully set up; open your profile (GET /v1/me) once, then scan again."


def cap_day(at: datetime) -> str:
    return at.astimezone(LOCAL).strftime("%Y%m%d")


def cap_attribute(day: str, behaviour: str) -> str:
    return f"cap_{day}_{behaviour}"


def put_record(plan: WritePlan, name: str, record: BehaviourRecord) -> None:
    """The record at its de-duplication key, once; a failed put brings the record there back."""
    plan.put(name, record, condition=BehaviourRecord.pk.does_not_exist(), old_on_failure=True)


def cap_month_attribute(month: str, behaviour: str) -> str:
    return f"capm_{month}_{behaviour}"


def carry_attribute(behaviour: str) -> str:
    return f"carry_{behaviour}"


def carry_of(wallet: Mapping[str, Any], behaviour: str) -> int:
    """The milli-coins waiting on a wallet item (raw, as ALL_OLD returns it; `{}`: none yet)."""
    return int((wallet.get(carry_attribute(behaviour)) or {}).get("N", 0))


@dataclass(frozen=True, slots=True)
class Carry:
    """How a credit moves the behaviour's carry: `delta` milli-coins added (the remainders, less
    1,000 for each coin the carry paid), on the condition that the carry lies in [low, high] —
    the values the credit's coins were worked out for, so concurrent credits cannot both spend
    the same milli-coins."""

    low: int
    high: int
    delta: int


def coins_by_day(days: Sequence[str], coins: Sequence[int]) -> dict[str, int]:
    """The coins each cap day takes (days repeat when several records fall on one day)."""
    found: dict[str, int] = {}
    for day, n in zip(days, coins, strict=True):
        found[day] = found.get(day, 0) + int(n)
    return found


def room_left(counted: int, cap: int | None) -> int | None:
    """Coins a cap counter at `counted` still takes (None: no cap)."""
    return None if cap is None else max(0, cap - counted)


def wallet_credit(
    user_id: str, behaviour: str, coins: int, gco2e: int, daily_cap: int, at: datetime, now_iso: str,
    *, days: Mapping[str, int] | None = None, monthly_cap: int | None = None, clean_stale: bool = True,
    carry: Carry | None = None, occurred: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """Credits and counts in one update; fails if the wallet is missing or carries no consent, or
    if a cap would be passed, or (`occurred`: the first and last time of a file row's records) if
    a record happened while the consent was withdrawn — after the last withdrawal, before the
    consent given again: collected only with consent, a behaviour of that time is never credited.
    Caps count coins: a day's counter (and the month's, when the factor
    has a `monthly_cap`) takes the coins credited on it and must stay at or below the cap, so the
    caller sends no more than the room a cap leaves (`room_left`). `days` are the cap days
    (YYYYMMDD, local) with the coins each takes: today for a scan, the behaviour's own days for a
    file row. `carry`: the behaviour's carry moves too (None or delta 0 with a range starting at
    0: it is not touched)."""
    pk, sk = Wallet.key(user_id)
    counted = dict(days) if days else {cap_day(at): coins}
    months: dict[str, int] = {}
    for day, n in counted.items():
        months[day[:6]] = months.get(day[:6], 0) + n
    today = at.astimezone(LOCAL)
    own = {cap_attribute(day, behaviour) for day in counted}
    stale = [name for d in range(1, CAP_CLEANUP_DAYS + 1 if clean_stale else 1)
             if (name := cap_attribute((today - timedelta(days=d)).strftime("%Y%m%d"), behaviour)) not in own]
    if clean_stale and monthly_cap is not None:  # the month before last: no credit counts on it any more
        before_last = (today.replace(day=1) - timedelta(days=32)).strftime("%Y%m")
        if before_last not in months:
            stale.append(cap_month_attribute(before_last, behaviour))
    names = {"#pk": "pk", "#coins": "coins", "#g": "gco2e", "#lc": "lifetime_coins",
             "#lg": "lifetime_gco2e", "#upd": "updated_at", "#consent": CONSENT}
    values = {":coins": {"N": str(coins)}, ":g": {"N": str(gco2e)}, ":now": {"S": now_iso},
              ":zero": {"N": "0"}}
    sets, conditions = [], []
    caps = [(f"cap{i}", cap_attribute(day, behaviour), n, daily_cap)
            for i, (day, n) in enumerate(counted.items())]
    if monthly_cap is not None:
        caps += [(f"capm{i}", cap_month_attribute(month, behaviour), n, monthly_cap)
                 for i, (month, n) in enumerate(months.items())]
    for ref, name, n, cap in caps:
        names[f"#{ref}"] = name
        values |= {f":n{ref}": {"N": str(n)}, f":room{ref}": {"N": str(cap - n)}}
        sets.append(f"#{ref} = if_not_exists(#{ref}, :zero) + :n{ref}")
        conditions.append(f"(attribute_not_exists(#{ref}) OR #{ref} <= :room{ref})")
    if carry is not None and (carry.delta or carry.low > 0):
        names["#carry"] = carry_attribute(behaviour)
        values |= {":cdelta": {"N": str(carry.delta)}, ":chigh": {"N": str(carry.high)}}
        sets.append("#carry = if_not_exists(#carry, :zero) + :cdelta")
        if carry.low > 0:
            values[":clow"] = {"N": str(carry.low)}
            conditions.append("#carry BETWEEN :clow AND :chigh")
        else:
            conditions.append("(attribute_not_exists(#carry) OR #carry <= :chigh)")
    names |= {f"#old{i}": name for i, name in enumerate(stale)}
    if occurred:
        names |= {"#withdrawn": WITHDRAWN, "#consent_at": Wallet.consent_at.attr_name}
        values |= {":first": {"S": occurred[0]}, ":last": {"S": occurred[1]}}
    lot = ""
    if coins > 0:  # the coins join this local year's lot (what expires when: `wallet.expiry`)
        names["#lot"], lot = lot_attribute(today.year), ", #lot :coins"
    return {
        "TableName": Wallet.Meta.table_name,
        "Key": {"pk": {"S": pk}, "sk": {"S": sk}},
        "UpdateExpression": (
            f"ADD #coins :coins, #g :g, #lc :coins, #lg :g{lot} SET #upd = :now, {', '.join(sets)}"
            + (" REMOVE " + ", ".join(f"#old{i}" for i in range(len(stale))) if stale else "")
        ),
        "ConditionExpression": (
            f"attribute_exists(#pk) AND attribute_exists(#consent) AND {' AND '.join(conditions)}"
            + (" AND (attribute_not_exists(#withdrawn) OR #consent_at <= :first OR :last < #withdrawn)"
               if occurred else "")
        ),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }


def cap_rooms(
    wallet: Mapping[str, Any], behaviour: str, days: Sequence[str], daily_cap: int, monthly_cap: int | None
) -> tuple[dict[str, int], dict[str, int | None]]:
    """Coins each of `days`, and each of their months, still takes, read from a wallet item (raw,
    as ALL_OLD returns it; `{}` for counters not started). A month's room is None without a
    monthly cap."""
    def counter(name: str) -> int:
        return int((wallet.get(name) or {}).get("N", 0))

    day_rooms = {day: max(0, daily_cap - counter(cap_attribute(day, behaviour))) for day in days}
    month_rooms = {
        day[:6]: room_left(counter(cap_month_attribute(day[:6], behaviour)), monthly_cap) for day in days
    }
    return day_rooms, month_rooms


# ---------------------------------------------------------------------------------- refusals
@dataclass(frozen=True, slots=True)
class Existing:
    """The behaviour is already credited to this caller (by any code or channel): answer with it."""

    record: BehaviourRecord


def _failed(reason: CancellationReason | None) -> bool:
    return reason is not None and reason.code == "ConditionalCheckFailed"


def refusal(cancelled: Cancelled, user_id: str) -> errors.TanhuiError | Existing | None:
    """What a cancelled claim plan means, most specific first. None: no condition failed (only
    contention: `models.writes.retrying` tries again)."""
    if "record" in cancelled.failed:
        raw = cancelled.old("record")
        if not raw:
            return errors.AlreadyClaimed()
        old = BehaviourRecord.from_raw_data(raw)
        if old.status == STATUS_REVOKED:
            return errors.CodeRevoked()
        if old.user_id == user_id:  # the key is the behaviour: e.g. the night, whichever room
            return Existing(old)
        return errors.AlreadyClaimed()
    if "peer" in cancelled.failed:  # another platform of the network counted it first
        return CountedElsewhere()
    if "wallet" in cancelled.failed:
        wallet = cancelled.old("wallet")
        if not wallet:
            return WalletMissing()
        if CONSENT in wallet:
            return errors.DailyCapReached()
        return errors.ConsentWithdrawn() if WITHDRAWN in wallet else errors.ConsentNotGiven()
    return None
