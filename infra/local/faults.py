"""Faults on demand: what DynamoDB, S3 and SQS do at load on AWS, made to happen locally.

The local stack serialises moto's writes (`moto_atomic`), so contention, throttling and a reply
lost after a commit never happen by themselves. This module makes them happen, per request, as
the code sees them once botocore's own retries are done:

    conflict     a TransactWriteItems is cancelled: one item `TransactionConflict` (nothing written)
    throttle     a TransactWriteItems is cancelled: one item `ThrottlingError` (nothing written)
    lost_reply   a TransactWriteItems is written, then its reply is lost (a read timeout)
    s3           an S3 object call answers 503 `SlowDown`
    sqs          an SQS send or receive answers 500 `InternalError`
    duplicate    the dispatcher delivers an SQS message, or a stream batch, twice
                 (`infra.local.dispatcher` asks `duplicate()`)

At random, from the environment — ``TANHUI_FAULTS=conflict:0.2,throttle:0.05,lost_reply:0.02
make run`` (``TANHUI_FAULTS_SEED`` makes a run repeatable) — or scripted in a test::

    with faults.injected(conflict=1):     # the next transaction is cancelled once
        ...
    with faults.injected(lost_reply=1, match="claim"):
        ...

Installed like moto's own stub, on botocore's built-in handlers at import: every client made
afterwards carries it (import this module before any client is made: `infra.local.run`,
tests/conftest.py). It never runs on AWS: nothing in the layer imports it.
"""

from __future__ import annotations

import json
import os
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError
from botocore.handlers import BUILTIN_HANDLERS

KINDS = ("conflict", "throttle", "lost_reply", "s3", "sqs", "duplicate")
S3_CALLS = frozenset({"GetObject", "PutObject", "HeadObject", "CopyObject", "DeleteObject"})
SQS_CALLS = frozenset({"SendMessage", "SendMessageBatch", "ReceiveMessage", "DeleteMessage"})


class FaultSpecError(ValueError):
    """TANHUI_FAULTS does not read as `kind:rate,…` with known kinds and rates in [0, 1]."""


def parse(spec: str) -> dict[str, float]:
    """`"conflict:0.2,throttle:0.05"` → {"conflict": 0.2, "throttle": 0.05}."""
    rates: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        kind, _, rate = part.partition(":")
        if kind not in KINDS:
            raise FaultSpecError(f"TANHUI_FAULTS: unknown fault {kind!r} (known: {', '.join(KINDS)})")
        try:
            value = float(rate)
        except ValueError:
            raise FaultSpecError(f"TANHUI_FAULTS: {part!r} needs a rate, e.g. {kind}:0.05") from None
        if not 0 <= value <= 1:
            raise FaultSpecError(f"TANHUI_FAULTS: the rate of {kind} must lie in [0, 1]")
        rates[kind] = value
    return rates


@dataclass
class _Injector:
    rates: dict[str, float] = field(default_factory=dict)
    scripted: dict[str, int] = field(default_factory=dict)  # kind -> faults still to inject
    match: str | None = None  # scripted faults hit only transactions whose body holds this text
    injected: dict[str, int] = field(default_factory=dict)  # kind -> faults injected so far
    rng: random.Random = field(default_factory=random.Random)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def active(self) -> bool:
        """Whether any fault may be injected now (without one, the hooks do nothing)."""
        return any(self.rates.values()) or any(n > 0 for n in self.scripted.values())

    def take(self, kind: str, body: str = "") -> bool:
        """Whether this request gets the fault `kind` (counts it if so)."""
        with self.lock:
            left = self.scripted.get(kind, 0)
            if left > 0 and (self.match is None or self.match in body):
                self.scripted[kind] = left - 1
            elif not (self.rates.get(kind) and self.rng.random() < self.rates[kind]):
                return False
            self.injected[kind] = self.injected.get(kind, 0) + 1
            return True


_STATE = _Injector()


def configure(spec: str | None = None, seed: int | None = None) -> dict[str, float]:
    """Random faults at the rates of `spec` (default: TANHUI_FAULTS); returns them."""
    spec = os.environ.get("TANHUI_FAULTS", "") if spec is None else spec
    rates = parse(spec)
    seed_text = os.environ.get("TANHUI_FAULTS_SEED")
    with _STATE.lock:
        _STATE.rates = rates
        _STATE.rng = random.Random(seed if seed is not None else (int(seed_text) if seed_text else None))
    return rates


def injected() -> dict[str, int]:
    """Faults injected so far, by kind."""
    with _STATE.lock:
        return dict(_STATE.injected)


@contextmanager
def scripted(match: str | None = None, **counts: int) -> Iterator[dict[str, int]]:
    """The next `counts[kind]` requests that can take `kind` get it (transactions: only those
    whose items mention `match`); yields the faults injected inside the block, by kind."""
    unknown = set(counts) - set(KINDS)
    if unknown:
        raise FaultSpecError(f"unknown faults {sorted(unknown)}")
    with _STATE.lock:
        before = dict(_STATE.injected)
        saved = (dict(_STATE.scripted), _STATE.match)
        _STATE.scripted, _STATE.match = dict(counts), match
    seen: dict[str, int] = {}
    try:
        yield seen
    finally:
        with _STATE.lock:
            seen.update({k: v - before.get(k, 0) for k, v in _STATE.injected.items()
                         if v != before.get(k, 0)})
            _STATE.scripted, _STATE.match = saved


def duplicate() -> bool:
    """Whether the dispatcher delivers this message or stream batch twice."""
    return _STATE.take("duplicate")


# ------------------------------------------------------------------------------- botocore
def _error(status: int, code: str, message: str, **extra: Any) -> tuple[AWSResponse, dict[str, Any]]:
    parsed = {"Error": {"Code": code, "Message": message},
              "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": {}}, **extra}
    return AWSResponse("http://faults.local", status, {}, None), parsed


def _cancelled(params: dict[str, Any], reason: str) -> tuple[AWSResponse, dict[str, Any]]:
    items = json.loads(params.get("body") or b"{}").get("TransactItems", [])
    hit = _STATE.rng.randrange(len(items)) if items else 0
    reasons = [{"Code": reason, "Message": f"injected {reason}"} if i == hit else {"Code": "None"}
               for i in range(len(items))]
    return _error(400, "TransactionCanceledException",
                  f"Transaction cancelled, please refer cancellation reasons for specific reasons "
                  f"[{', '.join(r['Code'] for r in reasons)}]", CancellationReasons=reasons)


def _body(params: dict[str, Any]) -> str:
    body = params.get("body") or b""
    return body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)


def _before_call(event_name: str, params: dict[str, Any], context: dict[str, Any], **_: Any) -> Any:
    if not _STATE.active():
        return None
    _, service, operation = event_name.split(".")[:3]
    if service == "dynamodb" and operation == "TransactWriteItems":
        context["tanhui_body"] = body = _body(params)  # `_after_call`'s lost reply matches it too
        if _STATE.take("conflict", body):
            return _cancelled(params, "TransactionConflict")
        if _STATE.take("throttle", body):
            return _cancelled(params, "ThrottlingError")
    elif service == "s3" and operation in S3_CALLS and _STATE.take("s3"):
        return _error(503, "SlowDown", "injected: please reduce your request rate")
    elif service == "sqs" and operation in SQS_CALLS and _STATE.take("sqs"):
        return _error(500, "InternalError", "injected: we encountered an internal error")
    return None


def _after_call(event_name: str, http_response: Any, context: dict[str, Any], **_: Any) -> None:
    if http_response.status_code >= 300 or not _STATE.active():
        return
    if _STATE.take("lost_reply", context.get("tanhui_body", "")):
        raise ReadTimeoutError(endpoint_url="injected: the reply was lost after the write")


def _install() -> None:
    if any(entry[1] is _before_call for entry in BUILTIN_HANDLERS):
        return
    # first, so they run before moto's stub (which answers at `before-send`)
    BUILTIN_HANDLERS.insert(0, ("before-call", _before_call))
    BUILTIN_HANDLERS.insert(0, ("after-call.dynamodb.TransactWriteItems", _after_call))


_install()
