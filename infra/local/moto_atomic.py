"""moto's DynamoDB, made as atomic as DynamoDB.

moto evaluates a transaction's conditions and applies it without a lock, and rolls back a cancelled
one by restoring a whole-table copy, so concurrent requests to the threaded server can both pass
`attribute_not_exists` or undo each other's writes. DynamoDB is atomic: the local stack (`make run`,
tests) serialises moto's DynamoDB writes so concurrency behaves as it does on AWS, and a cancelled
transaction puts back only the items it touched (a copy of the whole table per item made every
transaction slower as the table grew).

Streams: moto adds a stream record per item as it applies a transaction, and keeps them (and the
records of its undo writes) when the transaction is cancelled; DynamoDB emits nothing for a
cancelled transaction. Here the table's shard is cut back to its length before the transaction.
Reading a stream takes the same lock, so no reader sees the records of a transaction that is
still running (and may yet be cancelled), and a shard iterator is forgotten once used (moto keeps
every one it made, one per GetRecords, for ever). GetRecords answers its JSON directly: moto's
shape-driven serialiser took ~3 ms a record, as long as the write that made it.

Queries: moto answers a Query of the table (not of an index) by sorting every item of the table
and keeping its partition's, so each one cost more as the table grew (a refund run's 1,000 queries
took a minute late in the test session). Here it reads the partition only, as DynamoDB does.

Queries of an index: moto compares every item of the table with the key; here an index's items
are mapped by its hash key once, and the map is kept until the next write (`_index_items`).

Client request tokens: moto ignores a TransactWriteItems' `ClientRequestToken`. As DynamoDB
does, a transaction that committed is remembered by its token for 10 minutes: the same token with
the same items answers success and writes nothing; with other items, IdempotentParameterMismatch
(`_honour_client_request_tokens`). The write paths' retries after a lost reply rely on it.

Scans: a page is read under the same lock (moto iterates the table's dict, which a write changes).

Updates: plain update expressions are applied without moto's interpreter, each expression is
parsed once and an item is measured once (`moto_updates`).
"""

from __future__ import annotations

import copy
import json
import threading
from datetime import UTC, datetime
from typing import Any

from infra.local.moto_updates import fast_update_item, parse_each_expression_once, size_items_once

_WRITES = ("transact_write_items", "put_item", "update_item", "delete_item")


def make_moto_writes_atomic() -> None:
    """Serialises moto's DynamoDB writes in this process; a cancelled transaction undoes the items
    it touched (idempotent)."""
    from moto.dynamodb.models import DynamoDBBackend

    if getattr(DynamoDBBackend, "_tanhui_atomic", False):
        return
    make_moto_transactions_undo_items()
    DynamoDBBackend.update_item = fast_update_item(DynamoDBBackend.update_item)  # type: ignore[method-assign]
    parse_each_expression_once()
    size_items_once()
    lock = _LOCK
    for name in _WRITES:
        original = getattr(DynamoDBBackend, name)

        def locked(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
            global _GENERATION
            with lock:
                _GENERATION += 1  # before and after: an index read during the write is not kept
                try:
                    return __original(self, *args, **kwargs)
                finally:
                    _GENERATION += 1

        setattr(DynamoDBBackend, name, locked)
    _scan_under(lock)
    DynamoDBBackend._tanhui_atomic = True  # type: ignore[attr-defined]
    _honour_client_request_tokens()
    _read_streams_under(lock)
    _query_the_partition_only()


TOKEN_WINDOW_SECONDS = 600  # DynamoDB keeps a ClientRequestToken this long after the request
_TOKENS: dict[str, tuple[float, str]] = {}  # token -> (when it committed, digest of its items)


def _honour_client_request_tokens() -> None:
    import hashlib
    import time

    from moto.core.responses import ActionResult
    from moto.dynamodb.exceptions import DynamodbException
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.transact_write_items

    def transact_write_items(self: Any) -> Any:
        token = self.body.get("ClientRequestToken")
        if not token:
            return original(self)
        digest = hashlib.sha256(json.dumps(self.body["TransactItems"], sort_keys=True).encode()).hexdigest()
        now = time.monotonic()
        with _LOCK:
            while _TOKENS and now - next(iter(_TOKENS.values()))[0] > TOKEN_WINDOW_SECONDS:
                _TOKENS.pop(next(iter(_TOKENS)))
            seen = _TOKENS.get(token)
            if seen is not None:
                if seen[1] != digest:
                    raise DynamodbException(
                        "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException",
                        "The request uses the same client token as a previous, but non-identical request.",
                    )
                return ActionResult({"ConsumedCapacity": [], "ItemCollectionMetrics": {}})
            result = original(self)  # raises if cancelled: a cancelled request is not remembered
            _TOKENS[token] = (now, digest)
            return result

    DynamoHandler.transact_write_items = transact_write_items  # type: ignore[method-assign]


_QUERYING = threading.local()  # (table, hash key) of the table Query this thread is in
_GENERATION = 0  # moto's DynamoDB writes so far (each counts twice): an index's items are good until it moves


def _query_the_partition_only() -> None:
    from moto.dynamodb.models.table import Table

    all_items, query = Table.all_items, Table.query

    def partition_items(self: Any) -> list[Any]:
        table, key = getattr(_QUERYING, "partition", (None, None))
        if table is not self:
            table, attr, value = getattr(_QUERYING, "index", (None, None, None))
            return _index_items(self, attr, value, all_items) if table is self else all_items(self)
        found = self.items.get(key)  # a defaultdict: .get adds no empty partition
        if found is None:
            return []
        items = list(found.values()) if self.range_key_attr else [found]
        return sorted(items, key=lambda x: (x.hash_key, x.range_key) if x.range_key else x.hash_key)

    def table_query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        conditions = kwargs.get("hash_key_conditions") or []
        if index_name and len(conditions) == 1:  # an index's partition: its items by that key
            _QUERYING.index = (self, *conditions[0])
            try:
                return query(self, hash_key, *args, **kwargs)
            finally:
                _QUERYING.index = (None, None, None)
        if index_name or hash_key is None:
            return query(self, hash_key, *args, **kwargs)
        _QUERYING.partition = (self, hash_key)
        try:
            return query(self, hash_key, *args, **kwargs)
        finally:
            _QUERYING.partition = (None, None)

    Table.all_items = partition_items  # type: ignore[method-assign]
    Table.query = table_query  # type: ignore[method-assign]


_INDEXES: dict[tuple[int, str], tuple[int, Any, dict[Any, list[Any]]]] = {}


def _index_items(table: Any, attr: str, value: Any, all_items: Any) -> list[Any]:
    """The items whose `attr` is `value`, from a map of the table's items by `attr` built in one
    pass and kept until the next write: a page's Queries of one index (a year of totals is 13, by
    month) read a partition each instead of every item of the table each (moto's way)."""
    generation = _GENERATION
    kept = _INDEXES.get((id(table), attr))
    if kept is None or kept[0] != generation or kept[1] is not table:
        by_value: dict[Any, list[Any]] = {}
        for item in all_items(table):
            found = getattr(item, "attrs", {}).get(attr)
            if found is not None:
                by_value.setdefault((found.type, str(found.value)), []).append(item)
        kept = _INDEXES[(id(table), attr)] = (generation, table, by_value)
    return list(kept[2].get((value.type, str(value.value)), ()))


_LOCK = threading.RLock()


def _scan_under(lock: Any) -> None:
    """A Scan page takes the lock: moto iterates the table's items while it reads them, and a
    write meanwhile (the expiry job puts entries while its other segments scan) failed the page
    with RuntimeError ("dictionary changed size during iteration"), a 500 DynamoDB never gives."""
    from moto.dynamodb.models import DynamoDBBackend

    original = DynamoDBBackend.scan

    def scan(self: Any, *args: Any, **kwargs: Any) -> Any:
        with lock:
            return original(self, *args, **kwargs)

    DynamoDBBackend.scan = scan  # type: ignore[method-assign]


def _read_streams_under(lock: Any) -> None:
    from moto.dynamodbstreams.models import DynamoDBStreamsBackend

    original = DynamoDBStreamsBackend.get_records

    def get_records(self: Any, iterator_arn: str, limit: int) -> Any:
        with lock:
            try:
                return original(self, iterator_arn, limit)
            finally:
                self.shard_iterators.pop(iterator_arn, None)

    DynamoDBStreamsBackend.get_records = get_records  # type: ignore[method-assign]

    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    def get_records_json(handler: Any) -> str:
        limit = handler._get_param("Limit") or 1000
        result = handler.backend.get_records(handler._get_param("ShardIterator"), limit)
        return json.dumps(result, default=_epoch_seconds)

    DynamoDBStreamsHandler.get_records = get_records_json  # type: ignore[method-assign]


def _epoch_seconds(value: Any) -> float:
    if isinstance(value, datetime):  # moto's are naive UTC
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


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
            streams = _stream_lengths(backend, {table_name for table_name, _, _ in before})
            self._local.active = True
            try:
                return original(backend, transact_items, *args, **kwargs)
            except Exception:
                for table_name, key, attributes in before:
                    if attributes is None:
                        backend.delete_item(table_name, key)
                    else:
                        backend.put_item(table_name, attributes)
                for shard, length in streams:  # a cancelled transaction leaves no stream record
                    del shard.items[length:]
                raise
            finally:
                self._local.active = False

        return transact


def _stream_lengths(backend: Any, table_names: set[str]) -> list[tuple[Any, int]]:
    shards = (backend.get_table(name).stream_shard for name in table_names)
    return [(shard, len(shard.items)) for shard in shards if shard is not None]


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
