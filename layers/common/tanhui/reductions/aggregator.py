"""A batch of stream records → totals and users' stats, each record applied exactly once.

The records are taken in stream order, in chunks whose writes fit one TransactWriteItems (≤ 100
items). For each chunk:

1. the stats items of the users it credits are read, then the partner boards of those credits that
   are not with the user's home partner (whose entries ride on the stats item): one consistent
   BatchGetItem each;
2. records a user's stats list in `applied` were applied by an earlier delivery: skipped;
3. the rest change those items in stream order — lifetime numbers and sets (`lifetime`), the
   week and month board entries (`boards`), medals newly earned (`medals`) — and are noted in
   `applied`; their totals are summed per item (`totals`, ADD, on the chunk's totals shard);
4. one write plan (`models.writes`) puts the users' items back on their versions and adds the
   totals (and puts the marker of a record that credits no user, attribute_not_exists).
   Cancelled because another delivery changed one of those users first → read again and redo
   (step 2 skips what it applied); contention → `retrying` backs off and sends it again; anything
   else, or contention past the budget → the chunk's records are reported failed (the function's
   partial batch response: Lambda delivers them again). The plan is keyed by its records' event
   ids: a retry after a lost reply is a no-op within the token window, and after it the users'
   versions have moved, so the chunk is read again and its records are found applied.

A user whose stats item is new to this write (their first credit, or their items deleted) is checked,
in the same plan, not to have closed their account (注销: `ClosedAccount`, put when the closing
begins): a late stream record of a closed account then counts for the totals alone, so nothing of
theirs is put back after the closing deleted it (a stats item deleted after it was read fails its
version, is read again and found new).

A record costs one write per user it credits (their stats item; one more, a partner board, when it
is with another partner than their home one) plus its share of the chunk's totals: about 1.8
items for a claim by a user new to the batch (`bench/totals.py`), where keeping every board and
the lifetime as separate ADD items, with a marker per record, took 8.4.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from aws_lambda_powertools.shared.dynamodb_deserializer import TypeDeserializer
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from tanhui import errors
from tanhui.models.base import utc_now
from tanhui.models.identity import ClosedAccount
from tanhui.models.reductions import (
    MARK_DAYS,
    TOTALS_SHARDS,
    PartnerBoard,
    StreamMark,
    UserStats,
    stable_shard,
)
from tanhui.models.writes import (
    CONDITION_FAILED,
    MAX_ITEMS,
    RETRYABLE_REASONS,
    WORKER,
    Cancelled,
    WritePlan,
    retrying,
)
from tanhui.observability import logger, metrics
from tanhui.reductions import boards, lifetime, medals, totals
from tanhui.reductions.adds import merged, update_kwargs
from tanhui.reductions.deltas import READ, Delta, deltas_of

ATTEMPTS = 8
MARK_SECONDS = MARK_DAYS * 86_400


@dataclass(eq=False)  # one record is one Change: `in` asks which, not whether two look alike
class Change:
    """One stream record: its id, position and deltas."""

    event_id: str
    sequence_number: str
    deltas: list[Delta]
    users: set[str] = field(default_factory=set)
    boards: set[tuple[str, str]] = field(default_factory=set)  # (user, partner)
    totals: set[tuple[str, str]] = field(default_factory=set)  # totals items, shard left out

    @property
    def marked(self) -> bool:
        """Credits no user: applied once by a StreamMark instead of a user's `applied`."""
        return not self.users


def change_of(record: dict[str, Any]) -> Change:
    """A Lambda DynamoDB stream record (NEW_AND_OLD_IMAGES) → its deltas and the items they touch."""
    r = DynamoDBRecord(record)
    stream = r.dynamodb
    assert stream is not None and r.event_id is not None
    raw = r["dynamodb"]
    deltas = deltas_of(r.event_id, _image(raw.get("OldImage")), _image(raw.get("NewImage")))
    change = Change(r.event_id, str(stream.sequence_number), deltas)
    for d in deltas:
        if d.user_id is not None:
            change.users.add(d.user_id)
            if d.partner_id is not None:
                change.boards.add((d.user_id, d.partner_id))
        change.totals |= {(a.pk, a.sk) for a in totals.contribute(d, shard=0)}
    return change


_DESERIALIZER = TypeDeserializer()


def _image(raw: dict[str, Any] | None) -> dict[str, Any] | None:
    """The attributes of a stream image that deltas read (`deltas.READ`), deserialized."""
    if not raw:
        return None
    return {k: _DESERIALIZER.deserialize(v) for k, v in raw.items() if k in READ}


def apply(records: list[dict[str, Any]]) -> set[str]:
    """Applies a batch; returns the sequence numbers of the records that could not be applied."""
    changes = [c for c in map(change_of, records) if c.deltas]
    applied: list[Change] = []
    failed: list[Change] = []
    for chunk in _chunks(changes):
        done, not_done = _write(chunk)
        applied += done
        failed += not_done
        if not_done:  # Lambda delivers again from the first failed record: later ones wait for it
            failed += [c for c in changes if c not in applied and c not in failed]
            break
    metrics.add_metric(name="StreamRecordsApplied", unit="Count", value=len(applied))
    if failed:
        metrics.add_metric(name="StreamRecordsFailed", unit="Count", value=len(failed))
    return {c.sequence_number for c in failed}


def _size(change: Change) -> set[Any]:
    """The items a record writes, counting no partner board: most credits are with the user's
    home partner (a chunk that turns out larger is split when written)."""
    return {*change.users, *change.totals, *([change.event_id] if change.marked else [])}


def _chunks(changes: list[Change]) -> Iterable[list[Change]]:
    chunk: list[Change] = []
    keys: set[Any] = set()
    for change in changes:
        new = _size(change) - keys
        if chunk and len(keys) + len(new) > MAX_ITEMS:
            yield chunk
            chunk, keys, new = [], set(), _size(change)
        chunk.append(change)
        keys |= new
    if chunk:
        yield chunk


@dataclass
class _State:
    """The users' items of a chunk as read, and the marks that exist."""

    stats: dict[str, UserStats]
    boards: dict[tuple[str, str], PartnerBoard]
    marked: set[str]

    def applied(self, change: Change) -> bool:
        if change.marked:
            return change.event_id in self.marked
        return any(change.event_id in _applied_ids(self.stats[u]) for u in change.users)


def _read(chunk: list[Change]) -> _State:
    users = sorted({u for c in chunk for u in c.users})
    pairs = sorted({b for c in chunk for b in c.boards})
    marks = [c.event_id for c in chunk if c.marked]
    stats = {s.user_id: s for s in UserStats.batch_get(
        [UserStats.key(u) for u in users], consistent_read=True)}
    stats |= {u: UserStats(*UserStats.key(u), user_id=u) for u in users if u not in stats}
    homes = {u: boards.home_of(stats[u], [d for c in chunk for d in c.deltas if d.user_id == u])
             for u in users}
    pairs = [(u, p) for u, p in pairs if p != homes[u]]
    found = {(b.user_id, b.partner_id): b for b in PartnerBoard.batch_get(
        [PartnerBoard.key(*p) for p in pairs], consistent_read=True)} if pairs else {}
    found |= {p: PartnerBoard(*PartnerBoard.key(*p), user_id=p[0], partner_id=p[1])
              for p in pairs if p not in found}
    marked = {m.pk.removeprefix("STREAM#") for m in StreamMark.batch_get(
        [StreamMark.key(e) for e in marks], consistent_read=True)} if marks else set()
    return _State(stats, found, marked)


def _applied_ids(stats: UserStats) -> set[str]:
    return {entry.partition(":")[2] for entry in stats.applied or ()}


def _note(stats: UserStats, event_id: str, now: int) -> None:
    recent = {e for e in stats.applied or () if int(e.partition(":")[0]) > now - MARK_SECONDS}
    stats.applied = recent | {f"{now}:{event_id}"}


def _write(chunk: list[Change]) -> tuple[list[Change], list[Change]]:
    """(applied, failed) records of one chunk: now or by an earlier delivery."""
    shard = stable_shard(chunk[0].event_id, TOTALS_SHARDS)
    for _ in range(ATTEMPTS):  # re-read after another delivery moved a version
        state = _read(chunk)
        pending = [c for c in chunk if not state.applied(c)]
        if not pending:
            return chunk, []
        before = [c for c in chunk if c not in pending]  # applied by an earlier delivery
        now, at = int(time.time()), utc_now()
        touched_boards: set[tuple[str, str]] = set()
        for change in pending:
            for d in change.deltas:
                if d.user_id is None:
                    continue
                stats = state.stats[d.user_id]
                lifetime.add(stats, d)
                boards.add_to_stats(stats, d)
                if d.partner_id is not None and d.partner_id != stats.home:
                    boards.add_to_partner_board(state.boards[(d.user_id, d.partner_id)], d)
                    touched_boards.add((d.user_id, d.partner_id))
            for user in change.users:
                _note(state.stats[user], change.event_id, now)
        adds = merged(a for c in pending for d in c.deltas for a in totals.contribute(d, shard=shard))
        users = sorted({u for c in pending for u in c.users})
        marks = [c for c in pending if c.marked]
        checks = sum(1 for u in users if state.stats[u].version is None)
        if len(users) + checks + len(touched_boards) + len(marks) + len(adds) > MAX_ITEMS and len(chunk) > 1:
            return _split(chunk)  # partner boards other than home ones made it too large
        awarded = {u: medals.award(state.stats[u], at) for u in users}
        plan = WritePlan("aggregation", key=tuple(c.event_id for c in pending))
        for user in users:
            plan.put(f"stats {user}", state.stats[user])  # on its version
            if state.stats[user].version is None:
                plan.check(f"open {user}", ClosedAccount, *ClosedAccount.key(user),
                           condition=ClosedAccount.pk.does_not_exist())
        for pair in sorted(touched_boards):
            plan.put(f"board {pair[0]} {pair[1]}", state.boards[pair])
        for c in marks:
            mark = StreamMark(*StreamMark.key(c.event_id), expires_at=now + MARK_SECONDS)
            plan.put(f"mark {c.event_id}", mark, condition=StreamMark.pk.does_not_exist())
        for n, add in enumerate(adds.values()):
            plan.update_raw(f"total {n}", update_kwargs(UserStats.Meta.table_name, add))
        try:
            retrying(plan.send, operation="aggregation", budget=WORKER)
        except Cancelled as cancelled:
            closed = {name.removeprefix("open ") for name in cancelled.failed if name.startswith("open ")}
            if closed:
                _without(chunk, closed)
                continue
            codes = {r.code for r in cancelled.reasons.values() if r is not None} - {"None"}
            if cancelled.failed and codes <= {CONDITION_FAILED, *RETRYABLE_REASONS}:
                continue  # a version or mark moved: another delivery was first, read again
            logger.error("stream records not applied",
                         extra={"codes": sorted(codes), "records": len(pending)})
            return before, pending
        except errors.Busy:
            logger.warning("stream records not applied: busy", extra={"records": len(pending)})
            return before, pending
        _awarded(awarded)
        return chunk, []
    state = _read(chunk)
    return [c for c in chunk if state.applied(c)], [c for c in chunk if not state.applied(c)]


def _without(chunk: list[Change], closed: set[str]) -> None:
    """The records of users who closed their account count for the totals alone."""
    for change in chunk:
        if change.users & closed:
            change.deltas = [replace(d, user_id=None) if d.user_id in closed else d for d in change.deltas]
            change.users -= closed
            change.boards = {b for b in change.boards if b[0] not in closed}
            logger.info("stream record of a closed account: totals only", extra={"event_id": change.event_id})


def _split(chunk: list[Change]) -> tuple[list[Change], list[Change]]:
    """A chunk written as two, one after the other; the second waits for the first."""
    half = len(chunk) // 2
    done, failed = _write(chunk[:half])
    if failed:
        return done, failed + chunk[half:]
    rest, failed = _write(chunk[half:])
    return done + rest, failed


def _awarded(awarded: dict[str, list[str]]) -> None:
    for user_id, names in awarded.items():
        if names:
            logger.info("medals awarded", extra={"user_id": user_id, "medals": names})
    count = sum(len(names) for names in awarded.values())
    if count:
        metrics.add_metric(name="MedalsAwarded", unit="Count", value=count)
