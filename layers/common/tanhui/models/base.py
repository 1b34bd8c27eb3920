"""PynamoDB base for the single table declared in template.yaml (`Table`).

The schema (keys, GSIs, TTL) lives only in the template; these models describe items, never
create tables. Keys are prefixed strings: `pk`/`sk`, plus `gsi1pk`/`gsi1sk` for gsi1 (listings,
ledgers) and `gsi2pk` with a numeric `gsi2sk` for gsi2 (leaderboards by gCO2e).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from tanhui.config import get_settings


def iso_ms(at: datetime) -> str:
    """UTC ISO-8601 with `Z`, millisecond precision: the stored form of every time (sorts as text)."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def sortable_id(at: datetime, entropy: bytes | None = None) -> str:
    """26 Crockford base32 characters: 48-bit milliseconds then 80 bits of `entropy` (random
    unless given, e.g. a digest, so that the same input always names the same thing): ids sort
    by time as text."""
    tail = int.from_bytes((entropy or os.urandom(10))[:10].rjust(10, b"\0"), "big")
    n = (int(at.timestamp() * 1000) << 80) | tail
    return "".join(_CROCKFORD[(n >> shift) & 31] for shift in range(125, -1, -5))


def utc_now() -> str:
    return iso_ms(datetime.now(UTC))


def plain(value: Any) -> dict[str, Any]:
    """A MapAttribute's value as a plain dict (items read back hold MapAttribute instances)."""
    return value.as_dict() if hasattr(value, "as_dict") else dict(value or {})


class _FromSettings(type):
    """Table, region and endpoint come from `tanhui.config.Settings`, read when PynamoDB first
    connects (`Model._get_connection`), not at import: importing a model builds no settings."""

    @property
    def table_name(cls) -> str:
        return get_settings().table_name

    @property
    def region(cls) -> str:
        return get_settings().region

    @property
    def host(cls) -> str | None:
        return get_settings().dynamodb_endpoint


class TableMeta(metaclass=_FromSettings):
    """Every option PynamoDB reads from a `Meta`. It is given to `TanhuiModel` after the class
    statement: PynamoDB fills in (and so reads) the options of a `Meta` in a class body at import."""

    connect_timeout_seconds = 3
    read_timeout_seconds = 10
    max_retry_attempts = 3
    max_pool_connections = 10
    extra_headers = None
    aws_access_key_id = None
    aws_secret_access_key = None
    aws_session_token = None


class Gsi1(GlobalSecondaryIndex):
    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class Gsi2(GlobalSecondaryIndex):
    """Weeks' all-users leaderboards (keys only: the user is the table key, the score the sort key)."""

    class Meta:
        index_name = "gsi2"
        projection = KeysOnlyProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = NumberAttribute(range_key=True)


class Gsi4(GlobalSecondaryIndex):
    """Months' all-users leaderboards."""

    class Meta:
        index_name = "gsi4"
        projection = KeysOnlyProjection()

    gsi4pk = UnicodeAttribute(hash_key=True)
    gsi4sk = NumberAttribute(range_key=True)


class Gsi5(GlobalSecondaryIndex):
    """Weeks' leaderboards of a partner."""

    class Meta:
        index_name = "gsi5"
        projection = KeysOnlyProjection()

    gsi5pk = UnicodeAttribute(hash_key=True)
    gsi5sk = NumberAttribute(range_key=True)


class Gsi6(GlobalSecondaryIndex):
    """Months' leaderboards of a partner."""

    class Meta:
        index_name = "gsi6"
        projection = KeysOnlyProjection()

    gsi6pk = UnicodeAttribute(hash_key=True)
    gsi6sk = NumberAttribute(range_key=True)


class TanhuiModel(Model):
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    expires_at = NumberAttribute(null=True)


TanhuiModel.Meta = TableMeta  # type: ignore[assignment]  # see TableMeta


M = TypeVar("M", bound=TanhuiModel)


def put_once(item: TanhuiModel) -> bool:
    """Saves `item` unless an item is at its key (`attribute_not_exists(pk)`): True if this call
    wrote it, False if one was there already; any other failure raises."""
    try:
        item.save(condition=type(item).pk.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def save_with_fresh_id(build: Callable[[str], M], *, attempts: int = 8) -> M | None:
    """Saves `build(id)` under a fresh random id of 3 bytes (6 upper-case hex characters: short
    enough to sit inside QR tokens), drawing again when the key is taken. None if every draw
    collided (the caller says so in its own words)."""
    for _ in range(attempts):
        item = build(secrets.token_bytes(3).hex().upper())
        if put_once(item):
            return item
    return None
