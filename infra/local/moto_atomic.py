"""moto's DynamoDB, made as atomic as DynamoDB.

moto evaluates a transaction's conditions and applies it without a lock, and rolls back a cancelled
one by restoring a whole-table copy, so concurrent requests to the threaded server can both pass
`attribute_not_exists` or undo each other's writes. DynamoDB is atomic: the local stack (`make run`,
tests) serialises moto's DynamoDB writes so concurrency behaves as it does on AWS, and a cancelled
transaction puts back only the items it touched (a copy of the whole table per item made every
transaction slower as the table grew).
"""

from __future__ import annotations

import copy
import threading
from typing import Any

_WRITES = ("transact_write_items", "put_item", "update_item", "delete_item")


def make_moto_writes_atomic() -> None:
    """Serialises moto's DynamoDB writes in this process; a cancelled transaction undoes the items
    it touched (idempotent)."""
    from moto.dynamodb.models import DynamoDBBackend

    if getattr(DynamoDBBackend, "_tanhui_atomic", False):
        return
    make_moto_transactions_undo_items()
    lock = threading.RLock()
    for name in _WRITES:
        original = getattr(DynamoDBBackend, name)

        def locked(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return __original(self, *args, **kwargs)

        setattr(DynamoDBBackend, name, locked)
    DynamoDBBackend._tanhui_atomic = True  # type: ignore[attr-defined]


class _UndoTouchedItems:
    """moto rolls a cancelled transaction back by restoring a deep copy of each table it took
    before — one copy per *item* of the transaction, so every transaction cost as much as copying
    the whole table (the local stack got slower as its data grew). Here a transaction keeps the
    items it touches as they were and puts those back instead; moto's table copies, taken only
    inside `transact_write_items` (serialised above), become the table itself."""

    def __init__(self) -> None:
        self._local = threading.local()

    def __getattr__(self, name: str) -> Any:  # the `copy` module for everything else
        return getattr(copy, name)

    def deepcopy(self, obj: Any, memo: Any = None) -> Any:
        from moto.dynamodb.models.table import Table

        if getattr(self._local, "active", False) and isinstance(obj, Table):
            return obj
        return copy.deepcopy(obj, memo)

    def around(self, original: Any) -> Any:
        def transact(backend: Any, transact_items: list[dict[str, Any]], *args: Any, **kwargs: Any) -> Any:
            before = [_as_it_was(backend, item) for item in transact_items]
            self._local.active = True
            try:
                return original(backend, transact_items, *args, **kwargs)
            except Exception:
                for table_name, key, attributes in before:
                    if attributes is None:
                        backend.delete_item(table_name, key)
                    else:
                        backend.put_item(table_name, attributes)
                raise
            finally:
                self._local.active = False

        return transact


def _as_it_was(backend: Any, item: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
    """(table, key, the item's attributes or None) of one transaction item, before it runs."""
    _, op = next(iter(item.items()))
    table_name = op["TableName"]
    if "Item" in op:
        table = backend.get_table(table_name)
        names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
        key = {name: op["Item"][name] for name in names}
    else:
        key = op["Key"]
    current = backend.get_item(table_name, key)
    return table_name, key, None if current is None else current.to_json()["Attributes"]


def make_moto_transactions_undo_items() -> None:
    """A transaction undoes only the items it touched when cancelled (idempotent)."""
    from moto.dynamodb import models
    from moto.dynamodb.models import DynamoDBBackend

    if isinstance(models.copy, _UndoTouchedItems):
        return
    shim = _UndoTouchedItems()
    models.copy = shim  # type: ignore[assignment]
    DynamoDBBackend.transact_write_items = shim.around(DynamoDBBackend.transact_write_items)  # type: ignore[method-assign]
