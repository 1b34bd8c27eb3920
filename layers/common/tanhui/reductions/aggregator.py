"""A batch of stream records → the ADD updates their deltas make, written once per record.

Each stream record (eventID) has a marker item (`StreamMark`), put with attribute_not_exists in
the same TransactWriteItems as the updates its deltas contribute to, so a redelivered batch
changes nothing. The deltas of a batch are summed per item before they are written (most records
of a batch hit the same totals items), and records are packed into transactions of at most
MAX_ITEMS items (their markers + the distinct items they update).

A cancelled transaction is read by its cancellation reasons, by item key
(`models.transactions.failed_keys`): records whose markers exist were applied before (dropped,
the rest retried); TransactionConflict / throttling → retried; anything else → those records are
reported failed (the function's partial batch response; Lambda retries from the first of them).

Extension points:
- CONTRIBUTORS: `(Delta) -> list[Add]`, what one delta adds to which items (totals, ranks,
  lifetime here; a coordinator adds more, e.g. medals' counters).
- AFTER_COMMIT: `(list[Delta]) -> None`, called once the batch is written with the deltas of every
  record of the batch that is applied, including records applied by an earlier delivery: for
  follow-ups that read the state the batch left: medal awards (`medals.award_for`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from pynamodb.exceptions import TransactWriteError

from tanhui.models.reductions import MARK_DAYS, StreamMark
from tanhui.models.transactions import add_update, failed_keys, transaction
from tanhui.observability import logger, metrics
from tanhui.reductions import lifetime, medals, ranks, totals
from tanhui.reductions.adds import Add, Key, merged, update_kwargs
from tanhui.reductions.deltas import Delta, deltas_of

Contributor = Callable[[Delta], list[Add]]
AfterCommit = Callable[[list[Delta]], None]

CONTRIBUTORS: list[Contributor] = [totals.contribute, ranks.contribute, lifetime.contribute]
AFTER_COMMIT: list[AfterCommit] = [medals.award_for]

MAX_ITEMS = 100  # DynamoDB's limit of items in one TransactWriteItems
ATTEMPTS = 5
# cancellation reasons, and error codes of a request refused as a whole, worth another attempt
RETRYABLE = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded",
                       "RequestLimitExceeded", "TransactionConflictException", "ThrottlingException",
                       "ProvisionedThroughputExceededException", "InternalServerError"})


@dataclass
class Change:
    """One stream record: its id, position and what it adds."""

    event_id: str
    sequence_number: str
    deltas: list[Delta]
    adds: dict[Key, Add] = field(default_factory=dict)


def change_of(record: dict[str, Any], contributors: Iterable[Contributor] = ()) -> Change:
    """A Lambda DynamoDB stream record (NEW_AND_OLD_IMAGES) → its deltas and their Adds."""
    r = DynamoDBRecord(record)
    stream = r.dynamodb
    assert stream is not None and r.event_id is not None
    deltas = deltas_of(r.event_id, stream.old_image or None, stream.new_image or None)
    adds = merged(add for d in deltas for contribute in contributors for add in contribute(d))
    return Change(r.event_id, str(stream.sequence_number), deltas, adds)


def apply(records: list[dict[str, Any]]) -> set[str]:
    """Applies a batch; returns the sequence numbers of the records that could not be applied."""
    changes = [change_of(r, CONTRIBUTORS) for r in records]
    applied: list[Change] = []
    failed: list[Change] = []
    for chunk in _chunks([c for c in changes if c.adds]):
        done, not_done = _write(chunk)
        applied += done
        failed += not_done
    metrics.add_metric(name="StreamRecordsApplied", unit="Count", value=len(applied))
    if failed:
        metrics.add_metric(name="StreamRecordsFailed", unit="Count", value=len(failed))
    not_applied = {c.event_id for c in failed}
    deltas = [d for c in changes if c.event_id not in not_applied for d in c.deltas]
    for hook in AFTER_COMMIT:
        hook(deltas)
    return {c.sequence_number for c in failed}


def _chunks(changes: list[Change]) -> Iterable[list[Change]]:
    chunk: list[Change] = []
    keys: set[Key] = set()
    for change in changes:
        new = change.adds.keys() - keys
        if chunk and len(chunk) + 1 + len(keys) + len(new) > MAX_ITEMS:
            yield chunk
            chunk, keys, new = [], set(), set(change.adds)
        chunk.append(change)
        keys |= new
    if chunk:
        yield chunk


def _write(chunk: list[Change]) -> tuple[list[Change], list[Change]]:
    """(applied, failed) records of one chunk: now or by an earlier delivery."""
    done: list[Change] = []
    pending = list(chunk)
    table = StreamMark.Meta.table_name
    for attempt in range(ATTEMPTS):
        if not pending:
            break
        expires = int(time.time()) + MARK_DAYS * 86_400
        try:
            with transaction() as t:
                for c in pending:
                    t.save(StreamMark(*StreamMark.key(c.event_id), expires_at=expires),
                           condition=StreamMark.pk.does_not_exist())
                for add in merged(a for c in pending for a in c.adds.values()).values():
                    add_update(t, update_kwargs(table, add))
        except TransactWriteError as exc:
            replayed_keys = failed_keys(t, exc) if exc.cancellation_reasons else set()
            replayed = [c for c in pending if StreamMark.key(c.event_id) in replayed_keys]
            done += replayed
            pending = [c for c in pending if c not in replayed]
            codes = {r.code for r in exc.cancellation_reasons or [] if r is not None} - {
                "None", "ConditionalCheckFailed"}
            if not exc.cancellation_reasons:
                codes.add(exc.cause_response_code or "unknown")
            if codes - RETRYABLE:
                logger.error("stream records not applied", extra={"codes": sorted(codes),
                                                                  "records": len(pending)})
                return done, pending
            if codes:
                time.sleep(0.02 * 2**attempt)  # contention: back off, then try again
            continue
        return done + pending, []
    return done, pending
