"""moto's DynamoDB, made as atomic as DynamoDB.

moto evaluates a transaction's conditions and applies it without a lock, and rolls back a cancelled
one by restoring a whole-table copy, so concurrent requests to the threaded server can both pass
`attribute_not_exists` or undo each other's writes. DynamoDB is atomic: the local stack (`make run`,
tests) serialises moto's DynamoDB writes so concurrency behaves as it does on AWS.
"""

from __future__ import annotations

import threading
from typing import Any

_WRITES = ("transact_write_items", "put_item", "update_item", "delete_item")


def make_moto_writes_atomic() -> None:
    """Serialises moto's DynamoDB writes in this process (idempotent)."""
    from moto.dynamodb.models import DynamoDBBackend

    if getattr(DynamoDBBackend, "_tanhui_atomic", False):
        return
    lock = threading.RLock()
    for name in _WRITES:
        original = getattr(DynamoDBBackend, name)

        def locked(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return __original(self, *args, **kwargs)

        setattr(DynamoDBBackend, name, locked)
    DynamoDBBackend._tanhui_atomic = True  # type: ignore[attr-defined]
