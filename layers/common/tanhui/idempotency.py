"""`Idempotency-Key` for requests that create something: a retry makes nothing new.

The natural-key pattern the claims use: one conditional put of an item keyed by (operation,
caller, key) holding the request's hash; the first request creates the resource and records its
id there. The same key with the same body is answered with that resource (200); with another
body, 422 `idempotency_key_reused`. A first attempt that is still running (or crashed before it
recorded the id) holds the key for `LOCK_SECONDS`: meanwhile 409 `idempotency_in_progress`,
afterwards a retry takes the key over.

The id is recorded in the creation's own write plan (`models.writes`): `create(mark)` gets a
`mark(plan, resource_id)` that adds the key's record to the plan, so the resource and the key
that made it are written together. A first attempt that crashed after its write (or lost the
reply) leaves a key that answers with what it made, never one a retry could take over to make a
second.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from pynamodb.exceptions import DeleteError, UpdateError

from tanhui import errors
from tanhui.models.base import put_once, utc_now
from tanhui.models.idempotency import IdempotencyRecord
from tanhui.models.writes import WritePlan
from tanhui.observability import logger

T = TypeVar("T")
# adds to a creation's plan the record of its key, now naming `resource_id` (a no-op without a key)
Mark = Callable[[WritePlan, str], None]
KEEP_SECONDS = 24 * 3600  # a key is remembered for a day
LOCK_SECONDS = 60  # longer than any function's timeout that creates through a key
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # visible ASCII, as header values allow


class KeyReused(errors.Unprocessable):
    code = "idempotency_key_reused"
    message = "This Idempotency-Key was used for another request; use a new key."


class InProgress(errors.Conflict):
    code = "idempotency_in_progress"
    message = "A request with this Idempotency-Key is still being processed; retry shortly."


InvalidKey = errors.InvalidIdempotencyKey  # missing or malformed (`tanhui.api` answers a missing one)
ERRORS = (InvalidKey, InProgress, KeyReused)  # what a route that takes a key may answer for it


@dataclass(frozen=True, slots=True)
class Outcome(Generic[T]):
    value: T
    created: bool  # False: the answer of an earlier request with the same key


def request_hash(request: BaseModel | dict[str, Any]) -> str:
    data = request.model_dump(mode="json") if isinstance(request, BaseModel) else request
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def once(
    operation: str,
    caller: str,
    key: str | None,
    request: BaseModel | dict[str, Any],
    *,
    create: Callable[[Mark], T],
    id_of: Callable[[T], str],
    replay: Callable[[str], T],
) -> Outcome[T]:
    """`create(mark)` once per (operation, caller, key); a repeat gets `replay(id)` of what it
    made. `create` passes `mark` the plan that creates the resource and the resource's id."""
    if key is None:
        return Outcome(create(no_key), True)
    if not _KEY.match(key):
        raise InvalidKey()
    digest, now = request_hash(request), time.time()
    record = IdempotencyRecord(
        *IdempotencyRecord.key(operation, caller, key),
        request_hash=digest,
        locked_until=int(now) + LOCK_SECONDS,
        created_at=utc_now(),
        expires_at=int(now) + KEEP_SECONDS,
    )
    if not _claim_key(record, digest, now):
        raise InProgress()
    if record.resource_id:
        return Outcome(replay(record.resource_id), False)
    marked: list[str] = []

    def mark(plan: WritePlan, resource_id: str) -> None:
        plan.update("idempotency key", record, [IdempotencyRecord.resource_id.set(resource_id)],
                    condition=IdempotencyRecord.resource_id.does_not_exist()
                    & (IdempotencyRecord.request_hash == digest))
        marked.append(resource_id)

    try:
        value = create(mark)
    except Exception:
        _release(record)
        raise
    if not marked:  # a creation without a plan of its own records its id after it
        record.update(actions=[IdempotencyRecord.resource_id.set(id_of(value))])
    return Outcome(value, True)


def no_key(plan: WritePlan, resource_id: str) -> None:
    """`mark` for a request without a key: nothing to record."""


def _claim_key(record: IdempotencyRecord, digest: str, now: float) -> bool:
    """Puts the key (True), or reads the earlier one into `record`: True if it is done or its
    first attempt's lock ran out (taken over), False while that attempt still holds it."""
    if put_once(record):
        return True
    earlier = IdempotencyRecord.get(record.pk, record.sk, consistent_read=True)
    if earlier.request_hash != digest:
        raise KeyReused()
    if earlier.resource_id:
        record.resource_id = earlier.resource_id
        return True
    try:  # the first attempt crashed (or is slow): take the key over once its lock ran out
        record.update(
            actions=[IdempotencyRecord.locked_until.set(int(now) + LOCK_SECONDS)],
            condition=(IdempotencyRecord.locked_until < int(now))
            & IdempotencyRecord.resource_id.does_not_exist(),
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return False
    return True


def _release(record: IdempotencyRecord) -> None:
    """The creation failed: free the key so that the client's retry runs again."""
    try:
        record.delete(condition=IdempotencyRecord.resource_id.does_not_exist())
    except DeleteError:  # the key then frees itself when its lock runs out
        logger.warning("idempotency key not released", extra={"pk": record.pk})
