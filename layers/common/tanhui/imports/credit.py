"""Crediting file rows exactly once, through the claim's own write: the record at its
de-duplication key and the wallet update (`claims.transaction`), many rows per request.

Rows of distinct users share one write plan (`models.writes`; up to 100 items: each row's records,
named `record <row>.<n>`, with `peer <row>.<n>` beside a record whose behaviour takes part in the
network's de-duplication (`claims.peers`: a peer that counted it first refuses the record, and the
row is rejected `counted_elsewhere` when nothing of it is credited), one `wallet <row>` per user,
and the partner's monthly issuance counter,
`quota`, when a quota is set). Contention is retried by `models.writes.retrying`. When DynamoDB
cancels a plan on a condition, the failed names say which rows: those are settled alone, where the
failure means something about the row (a duplicate, a cap, no consent or consent withdrawn, over
quota); every other row is sent again together.

A file block's plan is keyed by the import and its rows, so a retry after a lost reply within
DynamoDB's token window is a no-op. After the window it is still safe: every record already
written fails its `attribute_not_exists` condition and is recognised as this import's own row.

A record that already holds this import's own row (same import id and row in its evidence) is
the row itself, re-processed after a crash or a redelivery: counted as credited, not twice.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tanhui.claims import keys, peers
from tanhui.claims import transaction as tx
from tanhui.claims.factors import MILLI
from tanhui.models.base import iso_ms
from tanhui.models.behaviour import STATUS_REVOKED, BehaviourRecord
from tanhui.models.imports import IssuedCoins
from tanhui.models.writes import MAX_ITEMS, WORKER, Cancelled, WritePlan, retrying

CONSENT_WITHDRAWN = "consent_withdrawn"  # a refused row's code: the person withdrew the consent
ATTEMPTS = 5  # a row is refitted to its caps (or its group split) at most about this often
REMAINDER, FROM_CARRY = "remainder_millicoins", "coins_from_carry"  # a record's evidence (rounding)

# what a row came to (the import's counts)
CREDITED, DUPLICATE, PENDING, UNMATCHED, INVALID, OVER_QUOTA, NO_REDUCTION = (
    "credited",
    "duplicate",
    "pending",
    "unmatched",
    "invalid",
    "over_quota",
    "no_reduction",
)


@dataclass
class Credit:
    """One row's credit for one user: its behaviour records (one per night, item, month…)."""

    row: int
    import_id: str
    user_id: str
    behaviour: str
    daily_cap: int
    records: list[BehaviourRecord]
    days: list[str]  # the cap day of each record (YYYYMMDD)
    monthly_cap: int | None = None  # coins a month, if the factor has one
    carry: tx.Carry | None = None  # how the behaviour's carry moves (set by `_fit`)

    @property
    def coins(self) -> int:
        return sum(int(r.coins) for r in self.records)

    @property
    def gco2e(self) -> int:
        return sum(int(r.gco2e) for r in self.records)


@dataclass
class Outcome:
    row: int
    status: str
    code: str = ""
    message: str = ""
    coins: int = 0
    gco2e: int = 0


@dataclass
class Quota:
    """The partner's monthly coin quota, if the operator set one."""

    partner_id: str
    limit: int | None

    @property
    def month(self) -> str:
        return datetime.now(keys.LOCAL).strftime("%Y%m")


@dataclass
class _Pending:
    credit: Credit
    credited_before: list[BehaviourRecord] = field(default_factory=list)  # ours, from a crash
    duplicates: int = 0
    elsewhere: int = 0  # records a peer platform counted first
    revoked: int = 0
    capped: int = 0


# ------------------------------------------------------------------------------ the items
def _quota_update(quota: Quota, coins: int, now_iso: str) -> dict[str, Any]:
    """Adds to the month's issued coins if they stay within the quota. Callers never send more
    than the whole quota at once, so a counter that does not exist yet may take them."""
    pk, sk = IssuedCoins.key(quota.partner_id, quota.month)
    assert quota.limit is not None
    return {
        "TableName": IssuedCoins.Meta.table_name,
        "Key": {"pk": {"S": pk}, "sk": {"S": sk}},
        "UpdateExpression": "ADD #c :n SET #p = :p, #m = :m, #u = :now",
        "ConditionExpression": "attribute_not_exists(#c) OR #c <= :room",
        "ExpressionAttributeNames": {"#c": "coins", "#p": "partner_id", "#m": "month", "#u": "updated_at"},
        "ExpressionAttributeValues": {
            ":n": {"N": str(coins)},
            ":room": {"N": str(quota.limit - coins)},
            ":p": {"S": quota.partner_id},
            ":m": {"S": quota.month},
            ":now": {"S": now_iso},
        },
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }


def _occurred(c: Credit) -> tuple[str, str] | None:
    """The first and last time the row's records happened (None: no record says)."""
    times = sorted(str(r.occurred_at) for r in c.records if r.occurred_at)
    return (times[0], times[-1]) if times else None


def _record_name(p: _Pending, n: int) -> str:
    return f"record {p.credit.row}.{n}"


def _peer_name(p: _Pending, n: int) -> str:
    return f"peer {p.credit.row}.{n}"


def _items(c: Credit) -> int:
    """The plan items a row takes: its records, their network keys (those that take part), its wallet."""
    return len(c.records) + sum(peers.natural_key(r.pk) is not None for r in c.records) + 1


def _wallet_name(p: _Pending) -> str:
    return f"wallet {p.credit.row}"


def _send(group: Sequence[_Pending], quota: Quota | None, at: datetime) -> None:
    """The group's plan, retried through contention; `Cancelled` when a condition failed."""
    now_iso = iso_ms(at)
    plan = WritePlan("file_rows", key=(group[0].credit.import_id, *(p.credit.row for p in group)))
    for p in group:
        c = p.credit
        for n, record in enumerate(c.records):
            tx.put_record(plan, _record_name(p, n), record)
            peers.add_ours(plan, _peer_name(p, n), record.pk, now_iso)
        plan.update_raw(_wallet_name(p), tx.wallet_credit(
            c.user_id, c.behaviour, c.coins, c.gco2e, c.daily_cap, at, now_iso,
            days=tx.coins_by_day(c.days, [int(r.coins) for r in c.records]),
            monthly_cap=c.monthly_cap, clean_stale=False, carry=c.carry, occurred=_occurred(c),
        ))
    coins = sum(p.credit.coins for p in group)
    if quota is not None and quota.limit is not None and coins > 0:
        plan.update_raw("quota", _quota_update(quota, coins, now_iso))
    retrying(plan.send, operation="file_rows", budget=WORKER)


def _fit(c: Credit, wallet: dict[str, Any]) -> bool:
    """Caps count coins (`claims.transaction`): trims each record's coins to what its day and
    month still take, given the wallet's counters (`{}`: none yet), so a row never pays more than
    a person can earn; records with no room left are dropped. A trimmed record keeps its full
    gCO2e and says what it would have paid (`evidence.coins_uncapped`).
    Rounding (`claims.factors`): the other records add their remainder to the behaviour's carry,
    and a record is paid a coin more for each 1,000 milli-coins the carry holds, as far as its
    caps leave room (`evidence.coins_from_carry`); `c.carry` is how the carry moves and the carry
    values that holds for. False if nothing changed."""
    day_rooms, month_rooms = tx.cap_rooms(wallet, c.behaviour, c.days, c.daily_cap, c.monthly_cap)
    start = carry = tx.carry_of(wallet, c.behaviour)
    changed = limited = False
    paid_total = added = 0
    keep: list[tuple[BehaviourRecord, str]] = []
    for record, day in zip(c.records, c.days, strict=True):
        evidence = _evidence(record)
        carried = int(evidence.pop(FROM_CARRY, 0))  # an earlier fit's: worked out again
        coins = int(record.coins) - carried
        month = month_rooms.get(day[:6])
        room = day_rooms[day] if month is None else min(day_rooms[day], month)
        if coins > 0 and room <= 0:
            changed = True
            continue
        paid = 0
        if coins > room:
            evidence["coins_uncapped"] = coins
            coins, changed = room, True
        elif "coins_uncapped" not in evidence:  # a record the cap trimmed carries nothing
            added += int(evidence.get(REMAINDER, 0))
            carry += int(evidence.get(REMAINDER, 0))
            paid = min(carry // MILLI, room - coins)
            limited = limited or paid < carry // MILLI
            carry -= paid * MILLI
        if paid:
            evidence[FROM_CARRY] = paid
        coins += paid
        if coins != int(record.coins) or evidence != _evidence(record):
            record.evidence, record.coins, changed = evidence, coins, True
            record.seal()
        paid_total += paid
        day_rooms[day] -= coins
        if month is not None:
            month_rooms[day[:6]] = month - coins
        keep.append((record, day))
    c.records, c.days = [r for r, _ in keep], [d for _, d in keep]
    # the same coins are paid for every carry below 1,000 that reaches as many whole coins, unless
    # a cap held a coin back: then only for the carry read
    if limited or start >= MILLI:
        moved = tx.Carry(start, start, carry - start)
    else:
        whole = paid_total * MILLI
        moved = tx.Carry(max(0, whole - added), min(MILLI - 1, whole + MILLI - 1 - added), carry - start)
    changed = changed or moved != c.carry
    c.carry = moved
    return changed


def _evidence(record: BehaviourRecord) -> dict[str, Any]:
    return record.evidence.as_dict() if record.evidence is not None else {}


def _is_ours(record: BehaviourRecord, credit: Credit) -> bool:
    evidence = record.evidence.as_dict() if record.evidence is not None else {}
    return evidence.get("import_id") == credit.import_id and int(evidence.get("row", -1)) == credit.row


# -------------------------------------------------------------------------------- settling
def _settle_alone(p: _Pending, quota: Quota | None, at: datetime) -> Outcome:
    """One row's records and wallet (and the quota counter) until it is credited or refused."""
    c = p.credit
    for attempt in range(ATTEMPTS * 2):
        if not c.records:
            return _final(p)
        if quota is not None and quota.limit is not None and c.coins > quota.limit:
            return Outcome(c.row, OVER_QUOTA, "over_quota", "The partner's monthly coin quota is used up.")
        try:
            _send([p], quota, at)
        except Cancelled as cancelled:
            failed = cancelled.failed
            names = [_record_name(p, n) for n in range(len(c.records))]
            elsewhere = {_record_name(p, n) for n in range(len(c.records)) if _peer_name(p, n) in failed}
            if failed & set(names) or elsewhere:
                keep = []
                for record, name in zip(c.records, names, strict=True):
                    if name not in failed and name not in elsewhere:
                        keep.append(record)
                        continue
                    if name not in failed:  # a peer platform counted the behaviour first
                        p.elsewhere += 1
                        continue
                    raw = cancelled.old(name)
                    old = BehaviourRecord.from_raw_data(raw) if raw else None
                    if old is not None and _is_ours(old, c):
                        p.credited_before.append(old)
                    elif old is not None and old.status == STATUS_REVOKED:
                        p.revoked += 1  # a revoked code's tombstone: nothing to credit
                    else:
                        p.duplicates += 1
                days = [d for r, d in zip(c.records, c.days, strict=True) if r in keep]
                c.records, c.days = keep, days
                continue
            if _wallet_name(p) in failed:
                wallet = cancelled.old(_wallet_name(p))
                if not wallet:
                    return Outcome(c.row, UNMATCHED, "user_not_found", "No account has this user id.")
                if tx.CONSENT not in wallet and tx.WITHDRAWN in wallet:
                    return withdrawn(c.row)
                if tx.CONSENT in wallet and (span := _occurred(c)) and tx.while_withdrawn(wallet, *span):
                    return withdrawn(c.row)  # it happened while the consent was withdrawn
                if tx.CONSENT not in wallet:
                    return Outcome(
                        c.row,
                        PENDING,
                        "consent_required",
                        "The user has not consented yet; credited once they do.",
                    )
                before = len(c.records)
                if attempt:  # another credit of the person's moved the wallet: let it finish
                    time.sleep(WORKER.pause(attempt - 1))
                if not _fit(c, wallet):
                    continue  # the counter moved under us: try again
                p.capped += before - len(c.records)
                continue
            if "quota" in failed:
                issued = int(((cancelled.old("quota") or {}).get("coins") or {}).get("N", 0))
                if quota is not None and quota.limit is not None and issued + c.coins > quota.limit:
                    return Outcome(
                        c.row, OVER_QUOTA, "over_quota", "The partner's monthly coin quota is used up."
                    )
                continue
            raise
        return _final(p, credited_now=c.records)
    raise RuntimeError(f"row {c.row}: the transaction kept being cancelled")


def withdrawn(row: int) -> Outcome:
    """A row for a person who withdrew the consent: refused, not kept (giving consent again
    restarts collection from then on, it never brings such a row back)."""
    return Outcome(
        row,
        INVALID,
        CONSENT_WITHDRAWN,
        "The person withdrew the data-collection consent: the row is refused, not kept.",
    )


def _final(p: _Pending, credited_now: Sequence[BehaviourRecord] = ()) -> Outcome:
    c = p.credit
    records = [*credited_now, *p.credited_before]
    if records:
        return Outcome(
            c.row,
            CREDITED,
            coins=sum(int(r.coins) for r in records),
            gco2e=sum(int(r.gco2e) for r in records),
        )
    if p.elsewhere and not p.duplicates:
        return Outcome(c.row, DUPLICATE, peers.CountedElsewhere.code,
                       "This behaviour was already counted by another platform of the network.")
    if p.revoked and not p.duplicates:
        return Outcome(c.row, INVALID, "code_revoked", "The product's code has been revoked by its issuer.")
    if p.capped and not p.duplicates:
        return Outcome(
            c.row,
            INVALID,
            "daily_cap_reached",
            "The daily limit for this behaviour is reached for this user.",
        )
    return Outcome(
        c.row,
        DUPLICATE,
        "already_credited",
        "This behaviour is already credited (by a scan or another file).",
    )


def _groups(pending: Iterable[_Pending], quota: Quota | None) -> Iterable[list[_Pending]]:
    """Rows of distinct users, packed into transactions of at most MAX_ITEMS items."""
    room = MAX_ITEMS - (1 if quota is not None and quota.limit is not None else 0)
    group: list[_Pending] = []
    users: set[str] = set()
    size = 0
    for p in pending:
        need = _items(p.credit)
        if group and (size + need > room or p.credit.user_id in users):
            yield group
            group, users, size = [], set(), 0
        group.append(p)
        users.add(p.credit.user_id)
        size += need
    if group:
        yield group


def credit_rows(
    credits: Sequence[Credit], quota: Quota | None = None, *, at: datetime | None = None
) -> list[Outcome]:
    """Credits every row once; returns each row's outcome (in no particular order)."""
    at = at or datetime.now(UTC)
    outcomes: list[Outcome] = []
    for c in credits:
        _fit(c, {})  # no record pays more than its caps allow, whatever the counters
    # a user's rows go to different transactions: order them so that each group has distinct users
    todo = [_Pending(c) for c in credits if c.records]
    outcomes += [
        Outcome(c.row, NO_REDUCTION, "no_reduction", "Nothing to credit.") for c in credits if not c.records
    ]
    while todo:
        seen: set[str] = set()
        now_round: list[_Pending] = []
        later: list[_Pending] = []
        for p in todo:
            (later if p.credit.user_id in seen else now_round).append(p)
            seen.add(p.credit.user_id)
        for group in _groups(now_round, quota):
            outcomes += _credit_group(group, quota, at)
        todo = later
    return outcomes


def _credit_group(group: list[_Pending], quota: Quota | None, at: datetime) -> list[Outcome]:
    if quota is not None and quota.limit is not None and sum(p.credit.coins for p in group) > quota.limit:
        # more than a whole month's quota: the counter's condition holds only once it exists
        return [_settle_alone(p, quota, at) for p in group]
    if len(group) == 1:
        return [_settle_alone(group[0], quota, at)]
    try:
        _send(group, quota, at)
    except Cancelled as cancelled:
        failed = cancelled.failed
        alone = {id(p) for p in group
                 if _wallet_name(p) in failed
                 or any(_record_name(p, n) in failed or _peer_name(p, n) in failed
                        for n in range(len(p.credit.records)))}
        if "quota" in failed:
            alone = {id(p) for p in group}  # near the quota: settle each row against it
        if not alone:
            raise
        out = [_settle_alone(p, quota, at) for p in group if id(p) in alone]
        rest = [p for p in group if id(p) not in alone]
        return out + (_credit_group(rest, quota, at) if rest else [])
    return [_final(p, credited_now=p.credit.records) for p in group]
