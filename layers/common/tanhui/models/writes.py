"""The one write path: a named write plan, sent as one TransactWriteItems, retried by one helper.

A `WritePlan` is the items of one transaction, each with a name (`"record"`, `"wallet"`,
`"offer"`…), built through PynamoDB's public API (the models' `get_*_kwargs_*` methods and
`Connection.transact_write_items`). When DynamoDB cancels it, `Cancelled` carries the reasons by
item name, so no caller reads positions or keys::

    plan = WritePlan("redemption", key=(user_id, serial))
    plan.put("voucher", voucher, condition=Voucher.pk.does_not_exist())
    plan.update("wallet", Wallet(*Wallet.key(user_id)), [Wallet.coins.add(-cost)],
                condition=Wallet.coins >= cost)
    try:
        retrying(plan.send, operation="redemption")
    except Cancelled as cancelled:
        if "wallet" in cancelled.failed: ...

`retrying` is the one retry helper: it retries only what is worth retrying (`retryable`: another
transaction on the same item, throttling, a reply lost after the request left), with full-jitter
exponential backoff inside a bounded budget, and raises `errors.Busy` (409 `busy`) when the budget
is spent on contention. Anything else (a failed condition, a validation error) goes straight back.

**Lost replies.** A plan whose retry could apply twice is made with its operation's natural key
(`key=`) and sends a `ClientRequestToken` derived from it and from the plan's items: within
DynamoDB's 10-minute window a retry of a committed plan is a no-op that answers success, and a
plan rebuilt after a cancellation (other items) never meets IdempotentParameterMismatch. Every
such path also says, in its own docstring, what makes a retry after that window safe (a condition
on a key the first write created).
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from botocore.exceptions import ConnectionError as BotoConnectionError
from botocore.exceptions import HTTPClientError
from pynamodb.exceptions import CancellationReason, PynamoDBException, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from tanhui import errors
from tanhui.models.transactions import connection
from tanhui.observability import logger, metrics

T = TypeVar("T")

MAX_ITEMS = 100  # DynamoDB's limit of items in one TransactWriteItems

# A cancellation reason worth another attempt: another transaction held an item, or throttling.
RETRYABLE_REASONS = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded",
                               "RequestLimitExceeded"})
# An error response worth another attempt (single-item writes and reads, and a whole transaction).
RETRYABLE_ERRORS = frozenset({"TransactionConflictException", "ThrottlingException",
                              "ProvisionedThroughputExceededException", "RequestLimitExceeded",
                              "TransactionInProgressException", "InternalServerError",
                              "ServiceUnavailable"})
CONDITION_FAILED = "ConditionalCheckFailed"


class WritePlan:
    """The items of one TransactWriteItems, each with a name unique in the plan."""

    def __init__(self, operation: str, *, key: tuple[object, ...] | None = None) -> None:
        self.operation, self.key = operation, key
        self._checks: list[tuple[str, dict[str, Any]]] = []
        self._deletes: list[tuple[str, dict[str, Any]]] = []
        self._puts: list[tuple[str, dict[str, Any]]] = []
        self._updates: list[tuple[str, dict[str, Any]]] = []
        self._names: set[str] = set()
        self._token: str | None = None

    # -- building -------------------------------------------------------------------------
    def check(self, name: str, model: type[Model], hash_key: Any, range_key: Any = None, *,
              condition: Condition) -> None:
        self._add(self._checks, name, model.get_operation_kwargs_from_class(
            hash_key, range_key=range_key, condition=condition))

    def put(self, name: str, item: Model, *, condition: Condition | None = None,
            old_on_failure: bool = False) -> None:
        self._add(self._puts, name, item.get_save_kwargs_from_instance(
            condition=condition, return_values_on_condition_failure="ALL_OLD" if old_on_failure else None))

    def update(self, name: str, item: Model, actions: Iterable[Action], *,
               condition: Condition | None = None, old_on_failure: bool = False) -> None:
        self._add(self._updates, name, item.get_update_kwargs_from_instance(
            actions=list(actions), condition=condition,
            return_values_on_condition_failure="ALL_OLD" if old_on_failure else None))

    def delete(self, name: str, item: Model, *, condition: Condition | None = None) -> None:
        self._add(self._deletes, name, item.get_delete_kwargs_from_instance(condition=condition))

    def put_raw(self, name: str, put: dict[str, Any]) -> None:
        """A low-level `Put` (TableName, Item, ConditionExpression…) built by the caller."""
        self._add(self._puts, name, put)

    def update_raw(self, name: str, update: dict[str, Any]) -> None:
        """A low-level `Update` (TableName, Key, UpdateExpression…): for attributes no model
        declares one by one (a day's cap counter, a total's per-day sums)."""
        self._add(self._updates, name, update)

    def _add(self, kind: list[tuple[str, dict[str, Any]]], name: str, kwargs: dict[str, Any]) -> None:
        if name in self._names:
            raise ValueError(f"{self.operation}: two items named {name!r}")
        self._names.add(name)
        self._token = None  # other items: another token
        kind.append((name, kwargs))

    # -- reading --------------------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        """The items' names in the order they are sent: `Connection.transact_write_items` sends
        condition checks, then deletes, puts and updates, and so do the cancellation reasons."""
        return [name for kind in (self._checks, self._deletes, self._puts, self._updates) for name, _ in kind]

    @property
    def token(self) -> str | None:
        """The `ClientRequestToken` (at most 36 characters): the operation, its natural key and
        the items, hashed; None without a natural key (botocore then makes one per call)."""
        if self.key is None:
            return None
        if self._token is None:  # once per plan, not once per attempt
            items = [kw for kind in (self._checks, self._deletes, self._puts, self._updates)
                     for _, kw in kind]
            text = json.dumps([self.operation, [str(k) for k in self.key], items],
                              sort_keys=True, default=str)
            self._token = hashlib.sha256(text.encode()).hexdigest()[:36]
        return self._token

    def __len__(self) -> int:
        return len(self._names)

    # -- sending --------------------------------------------------------------------------
    def send(self) -> None:
        """One attempt. Raises `Cancelled` (reasons by name) if DynamoDB cancels the transaction,
        or PynamoDB's `TransactWriteError` for anything else (e.g. a reply lost on the way)."""
        if not self:
            return
        try:
            connection().transact_write_items(
                condition_check_items=[kw for _, kw in self._checks],
                delete_items=[kw for _, kw in self._deletes],
                put_items=[kw for _, kw in self._puts],
                update_items=[kw for _, kw in self._updates],
                client_request_token=self.token,
            )
        except TransactWriteError as exc:
            if exc.cancellation_reasons:
                raise Cancelled(self, exc) from exc
            raise


class Cancelled(Exception):
    """DynamoDB cancelled a plan's transaction; nothing of it was written."""

    def __init__(self, plan: WritePlan, exc: TransactWriteError) -> None:
        reasons = list(exc.cancellation_reasons)
        names = plan.names
        reasons += [None] * (len(names) - len(reasons))
        self.operation = plan.operation
        self.reasons: dict[str, CancellationReason | None] = dict(zip(names, reasons, strict=False))
        codes = sorted({r.code for r in self.reasons.values() if r is not None and r.code != "None"})
        super().__init__(f"{plan.operation} cancelled: {', '.join(codes) or 'no reason given'}")

    @property
    def failed(self) -> set[str]:
        """The items whose condition failed."""
        return {name for name, r in self.reasons.items() if r is not None and r.code == CONDITION_FAILED}

    @property
    def contention_only(self) -> bool:
        """Only another transaction or throttling stood in the way: worth another attempt."""
        codes = {r.code for r in self.reasons.values() if r is not None and r.code != "None"}
        return bool(codes) and codes <= RETRYABLE_REASONS

    def old(self, name: str) -> dict[str, Any] | None:
        """The item as it was when `name`'s condition failed (raw), if the plan asked for it."""
        reason = self.reasons.get(name)
        return reason.raw_item if reason is not None else None


# ------------------------------------------------------------------------------------ retries
def retryable(exc: BaseException) -> bool:
    """Worth another attempt: contention, throttling, or the request's reply lost on the way
    (a timeout or a closed connection after the request left: it may have been applied)."""
    if isinstance(exc, Cancelled):
        return exc.contention_only
    if isinstance(exc, PynamoDBException):
        cause = exc.cause
        if isinstance(cause, HTTPClientError | BotoConnectionError):
            return True
        return exc.cause_response_code in RETRYABLE_ERRORS
    return isinstance(exc, HTTPClientError | BotoConnectionError)


@dataclass(frozen=True, slots=True)
class Budget:
    """How long to keep trying: attempts in all, and the backoff's first and largest step (s)."""

    attempts: int = 6
    base: float = 0.02
    cap: float = 0.5

    def pause(self, attempt: int) -> float:
        """Full jitter: a random pause up to min(cap, base · 2^attempt)."""
        return random.uniform(0, min(self.cap, self.base * 2**attempt))  # noqa: S311 - jitter, not secrets


REQUEST = Budget()  # an API request: about a second and a half at worst
WORKER = Budget(attempts=8, base=0.05, cap=2.0)  # a queue or stream worker: Lambda retries it too


def retrying(attempt: Callable[[], T], *, operation: str, budget: Budget = REQUEST,
             retry_if: Callable[[BaseException], bool] = retryable) -> T:
    """`attempt()` until it returns or raises something not worth retrying; after the budget's
    last attempt a retryable failure is `errors.Busy`. `retry_if` narrows `retryable` for a path
    that must rebuild its plan first (it returns False and the caller handles it)."""
    for n in range(budget.attempts):
        try:
            return attempt()
        except Exception as exc:
            if not retry_if(exc):
                raise
            metrics.add_metric(name="WriteRetried", unit="Count", value=1)
            if n + 1 == budget.attempts:
                logger.warning("write gave up", extra={"operation": operation, "attempts": budget.attempts,
                                                        "error": str(exc)[:200]})
                raise errors.Busy() from exc
            logger.info("write retried",
                        extra={"operation": operation, "attempt": n + 1, "error": str(exc)[:200]})
            time.sleep(budget.pause(n))
    raise AssertionError("unreachable")  # pragma: no cover
