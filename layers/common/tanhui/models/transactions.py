"""One PynamoDB connection per container, for the write plans' TransactWriteItems
(`models.writes`: the one write path)."""

from __future__ import annotations

from functools import cache

from pynamodb.connection import Connection

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
