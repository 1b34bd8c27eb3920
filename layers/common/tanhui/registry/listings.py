"""The registry's listings (issuances, transfers, retirements): gsi1 partitions read newest first
(ids sort by time), a page at a time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from tanhui.models.pages import decode_cursor, page_items

T = TypeVar("T")


def newest_first(index: Any, listing: str, read: Callable[[Any], T], limit: int,
                 cursor: str | None) -> tuple[list[T], str | None]:
    start = decode_cursor(cursor, {"pk", "sk", "gsi1pk", "gsi1sk"}, equal={"gsi1pk": listing})
    page = index.query(listing, scan_index_forward=False, limit=limit, page_size=limit,
                       last_evaluated_key=start)
    return page_items(page, read)
