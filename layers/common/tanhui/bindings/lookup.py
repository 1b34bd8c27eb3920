"""Who a number belongs to, for matching partner file rows (the import) to users.

`lookup_many` reads up to 100 bindings per BatchGetItem and asks again for the keys DynamoDB
left unprocessed (throttling), through the one retry helper (`models.writes.retrying`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from tanhui import errors
from tanhui.bindings.normalisation import InvalidBinding, normalise
from tanhui.models.bindings import BINDING_SK, NUMBER_KINDS, Binding, UserBindings
from tanhui.models.writes import WORKER, Budget, retryable, retrying

BATCH_GET_LIMIT = 100
BUDGET: Budget = WORKER  # about 6 s in all before giving up


class _Unprocessed(Exception):
    """Keys DynamoDB left unprocessed: ask again for them."""


def _unprocessed(exc: BaseException) -> bool:
    return isinstance(exc, _Unprocessed) or retryable(exc)


class LookupIncomplete(Exception):
    """DynamoDB kept leaving keys unprocessed: the caller retries the rows later."""


def lookup(kind: str, value: Any) -> str | None:
    """The user `value` (normalised first: 422 invalid_binding if it is no number of `kind`)
    is bound to, or None."""
    try:
        item = Binding.get(*Binding.key(kind, normalise(kind, value)), attributes_to_get=["user_id"])
    except Binding.DoesNotExist:
        return None
    return item.user_id


def _batch_get(keys: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One BatchGetItem: the items found and the keys left unprocessed."""
    table = Binding.Meta.table_name
    connection = Binding._get_connection()  # the model's table schema: no DescribeTable
    reply = connection.batch_get_item(keys, attributes_to_get=["pk", "user_id"])  # type: ignore[arg-type]
    unprocessed = reply.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
    return reply.get("Responses", {}).get(table, []), unprocessed


def lookup_many(
    kind: str,
    values: Iterable[Any],
    *,
    batch_get: Callable[[list[dict[str, Any]]], tuple[list[dict[str, Any]], list[dict[str, Any]]]]
    = _batch_get,
) -> dict[str, str]:
    """{normalised value: user id} for those of `values` that are bound. Values that are no
    number of `kind` are left out (call `normalise` for the reason); duplicates are read once."""
    by_pk: dict[str, str] = {}
    for value in values:
        try:
            number = normalise(kind, value)
        except InvalidBinding:
            continue
        by_pk[Binding.key(kind, number)[0]] = number
    found: dict[str, str] = {}
    pks = list(by_pk)
    for start in range(0, len(pks), BATCH_GET_LIMIT):
        left = [{"pk": {"S": pk}, "sk": {"S": BINDING_SK}} for pk in pks[start:start + BATCH_GET_LIMIT]]

        def attempt() -> None:
            nonlocal left
            items, left = batch_get(left)
            found.update({by_pk[i["pk"]["S"]]: i["user_id"]["S"] for i in items})
            if left:
                raise _Unprocessed()

        try:
            retrying(attempt, operation="binding_lookup", budget=BUDGET, retry_if=_unprocessed)
        except errors.Busy as exc:
            raise LookupIncomplete(f"{len(left)} {kind} bindings left unprocessed") from exc
    return found


def daily_km(user_id: str) -> float | None:
    """The daily driving distance the user stated (for car-free days), or None."""
    try:
        item = UserBindings.get(*UserBindings.key(user_id), attributes_to_get=["daily_km"])
    except UserBindings.DoesNotExist:
        return None
    return None if item.daily_km is None else float(item.daily_km)


def numbers_of(user_id: str) -> list[tuple[str, str]]:
    """(kind, value) of every number the user has bound (the phone is the profile's)."""
    try:
        item = UserBindings.get(*UserBindings.key(user_id), consistent_read=True)
    except UserBindings.DoesNotExist:
        return []
    return [(kind, value) for kind in NUMBER_KINDS if (value := getattr(item, kind))]
