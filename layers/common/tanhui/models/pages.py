"""Pages of a listing: opaque cursors over DynamoDB's LastEvaluatedKey, and `page_items`, which
every listing reads a query page through (one unreadable stored item never breaks a page)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from pydantic import ValidationError

from tanhui import errors
from tanhui.observability import logger

T = TypeVar("T")

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


def every_page(read: Callable[[str | None], Any]) -> list[Any]:
    """The items of every page of a listing: `read(cursor)` answers one page (a model with
    `items` and `next_cursor`: `wallet.account.ledger`, `spending.vouchers.list_mine`…), called
    from the first page until a page has no `next_cursor`."""
    items: list[Any] = []
    cursor: str | None = None
    while True:
        page = read(cursor)
        items += page.items
        if not (cursor := page.next_cursor):
            return items


def page_items(page: Iterable[Any], read: Callable[[Any], T]) -> tuple[list[T], str | None]:
    """The items of one query page (a PynamoDB result iterator, read to its end) as `read` makes
    them (a response model's `model_validate`, or a function building one), and the cursor of the
    page after it. A stored item that does not read (`ValidationError`: a field missing or of
    another type, left by an older version or a hand edit) is skipped and logged with its key,
    not a failed page: the cursor still moves past it."""
    items: list[T] = []
    for item in page:
        try:
            items.append(read(item))
        except ValidationError as exc:
            logger.warning(
                "listed item skipped: it does not read",
                extra={"pk": getattr(item, "pk", None), "sk": getattr(item, "sk", None),
                       "errors": exc.errors(include_url=False, include_input=False)},
            )
    return items, encode_cursor(getattr(page, "last_evaluated_key", None))
