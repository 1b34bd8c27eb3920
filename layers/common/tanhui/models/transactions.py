"""One PynamoDB connection per container for TransactWrite, and cancellation-reason helpers."""

from __future__ import annotations

from functools import cache
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from tanhui.models.base import TableMeta


@cache
def connection() -> Connection:
    return Connection(
        region=TableMeta.region,
        host=TableMeta.host,
        connect_timeout_seconds=TableMeta.connect_timeout_seconds,
        read_timeout_seconds=TableMeta.read_timeout_seconds,
        max_retry_attempts=TableMeta.max_retry_attempts,
    )


def transaction(client_request_token: str | None = None) -> TransactWrite:
    return TransactWrite(connection=connection(), client_request_token=client_request_token)


def add_update(t: TransactWrite, update: dict[str, Any]) -> None:
    """Adds a low-level `Update` (TableName, Key, UpdateExpression, names, values) to `t`: for
    updates whose attributes no model declares one by one (`failed_keys` names it like any other)."""
    t._update_items.append(update)


def failed_checks(error: TransactWriteError) -> list[int]:
    """Positions of the transaction items whose condition failed."""
    return [
        i
        for i, reason in enumerate(error.cancellation_reasons)
        if reason is not None and reason.code == "ConditionalCheckFailed"
    ]


def failed_keys(t: TransactWrite, error: TransactWriteError) -> set[tuple[str, str]]:
    """(pk, sk) of the items whose condition failed. PynamoDB sends a transaction's condition
    checks, then deletes, puts and updates, whatever order they were added in; the cancellation
    reasons follow that order."""
    sent = [*t._condition_check_items, *t._delete_items, *t._put_items, *t._update_items]
    keys = [kw.get("Key") or kw["Item"] for kw in sent]
    return {(keys[i]["pk"]["S"], keys[i]["sk"]["S"]) for i in failed_checks(error)}


def only_condition_failures(error: TransactWriteError) -> bool:
    reasons = [r for r in error.cancellation_reasons if r is not None and r.code != "None"]
    return bool(reasons) and all(r.code == "ConditionalCheckFailed" for r in reasons)


MAX_ITEMS = 100  # DynamoDB's limit of items in one TransactWriteItems
CONTENTION = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded",
                        "RequestLimitExceeded", "TransactionConflictException", "ThrottlingException",
                        "ProvisionedThroughputExceededException", "InternalServerError"})
