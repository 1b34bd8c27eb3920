"""The API's limits, in one place: what a request may send and what a response may hold, enforced
by the models and shown in the OpenAPI document (every string a `maxLength`, every integer a
range, every list a `maxItems`; `tests/unit/test_api_limits.py` walks the document for them).

**Requests** state each limit where the field is declared, from what the field is: an id by its
format (`Ulid`, `HexId`), a page size by `tanhui.api.PageLimit`, a phone by E.164, free text by
what a person writes there (a name ≤ 120, a description ≤ 2,000). A path parameter is an id:
`tanhui.api.PathId` (at most `MAX_PATH_ID` characters) unless the route knows its format.

**Responses** hold what was stored or computed, so a response model's field without a limit of
its own gets the stored data's (`bounded`, applied by `tanhui.response_models.ResponseModel`):
a string at most `STORED_TEXT` characters (DynamoDB's 400 KB item), an integer within JSON's
exact range (a browser reads it exactly), a list at most `RESPONSE_ITEMS` items (a page is ≤ 100;
a longer list must be paged). The response is checked when it is built, so a value past them is
our 500, never a document that lies.
"""

from __future__ import annotations

import types
import typing
from typing import Annotated, Any

import annotated_types
from pydantic import StringConstraints

STORED_TEXT = 400 * 1024
JSON_SAFE = 2**53 - 1  # Number.MAX_SAFE_INTEGER
RESPONSE_ITEMS = 1000
MAX_PATH_ID = 128

Ulid = Annotated[str, StringConstraints(min_length=26, max_length=26, pattern=r"^[0-9A-Z]{26}$")]
HexId = Annotated[str, StringConstraints(min_length=6, max_length=6, pattern=r"^[0-9A-Fa-f]{6}$")]

_UPPER = (annotated_types.MaxLen, annotated_types.Le, annotated_types.Lt)
_LOWER = (annotated_types.Ge, annotated_types.Gt)


def limited(metadata: typing.Iterable[Any]) -> bool:
    """A limit of its own: a max length or an upper bound (pydantic's Field/StringConstraints)."""
    for item in metadata:
        if isinstance(item, _UPPER) or getattr(item, "max_length", None) is not None:
            return True
        if isinstance(item, annotated_types.Interval) and (item.le is not None or item.lt is not None):
            return True
    return False


def bounded(annotation: Any) -> Any:
    """`annotation` with the stored data's limits wherever it sets none: `str`, `int` and `list[…]`
    at any depth of unions, lists and dicts' values (a model is bounded by its own fields)."""
    origin = typing.get_origin(annotation)
    if annotation is str:
        return Annotated[str, annotated_types.MaxLen(STORED_TEXT)]
    if annotation is int:
        return Annotated[int, annotated_types.Ge(-JSON_SAFE), annotated_types.Le(JSON_SAFE)]
    if origin is Annotated:
        base, *metadata = typing.get_args(annotation)
        if limited(metadata):
            return annotation
        if base is int and any(isinstance(m, _LOWER) for m in metadata):
            return Annotated[(base, *metadata, annotated_types.Le(JSON_SAFE))]
        return Annotated[(bounded(base), *metadata)]
    if origin in (types.UnionType, typing.Union):
        return typing.Union[tuple(bounded(arg) for arg in typing.get_args(annotation))]  # noqa: UP007
    if origin is list:
        (item,) = typing.get_args(annotation)
        return Annotated[list[bounded(item)], annotated_types.MaxLen(RESPONSE_ITEMS)]  # type: ignore[misc]
    if origin is dict:
        key, value = typing.get_args(annotation)
        return dict[key, bounded(value)]  # type: ignore[misc,valid-type]
    return annotation
