"""Opaque pagination cursors over DynamoDB's LastEvaluatedKey."""

from __future__ import annotations

import base64
import json
from typing import Any

from tanhui import errors

MAX_KEY_LENGTH = 1024  # DynamoDB's limit for a sort key; partition keys allow 2048


def encode_cursor(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    return base64.urlsafe_b64encode(json.dumps(last_key, separators=(",", ":")).encode()).decode()


def _invalid() -> errors.BadRequest:
    return errors.BadRequest("The cursor is not valid.", code="invalid_cursor")


def decode_cursor(
    cursor: str | None,
    expected_keys: set[str],
    *,
    equal: dict[str, str] | None = None,
    prefix: dict[str, str] | None = None,
) -> dict[str, Any] | None:
    """The start key a cursor stands for, refused (400 `invalid_cursor`) unless it is exactly
    `expected_keys`, each a string key `{"S": "..."}`, with `equal` attributes at the query's
    own partition (no paging into someone else's items) and `prefix` ones inside its range."""
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, RecursionError) as exc:
        raise _invalid() from exc
    if not isinstance(key, dict) or set(key) != expected_keys:
        raise _invalid()
    values: dict[str, str] = {}
    for name, value in key.items():
        if not (isinstance(value, dict) and set(value) == {"S"} and isinstance(value["S"], str)):
            raise _invalid()
        if not 0 < len(value["S"]) <= MAX_KEY_LENGTH:
            raise _invalid()
        values[name] = value["S"]
    if any(values[name] != want for name, want in (equal or {}).items()):
        raise _invalid()
    if any(not values[name].startswith(want) for name, want in (prefix or {}).items()):
        raise _invalid()
    return key
