"""Opaque pagination cursors over DynamoDB's LastEvaluatedKey."""

from __future__ import annotations

import base64
import json
from typing import Any

from tanhui import errors


def encode_cursor(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    return base64.urlsafe_b64encode(json.dumps(last_key, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str | None, expected_keys: set[str]) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError as exc:
        raise errors.BadRequest("The cursor is not valid.", code="invalid_cursor") from exc
    if not isinstance(key, dict) or set(key) != expected_keys:
        raise errors.BadRequest("The cursor is not valid.", code="invalid_cursor")
    return key
