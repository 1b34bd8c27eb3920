"""Per-container TTL cache of the metadata a claim reads (assets, factor versions, partner names).

They are the only reads allowed before the claim's one write request; each entry lives for
`settings.metadata_cache_seconds` (default 60 s). That age is also the documented delay of asset
retirement/revocation and batch revocation, which claims read from the cached asset; a single
code's revocation and de-duplication are conditions of the claim transaction itself (immediate).
`clock` is the time source (monotonic seconds), replaceable in tests to age entries without sleeping.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

from tanhui.config import get_settings

clock: Callable[[], float] = time.monotonic
_entries: dict[Hashable, tuple[float, Any]] = {}
_lock = threading.Lock()


def cached(key: Hashable, load: Callable[[], Any]) -> Any:
    """`load()` once per key per TTL (a concurrent miss may load twice; both results are equal)."""
    hit = _entries.get(key)
    now = clock()
    if hit is not None and hit[0] > now:
        return hit[1]
    value = load()
    with _lock:
        _entries[key] = (now + get_settings().metadata_cache_seconds, value)
    return value


def forget(key: Hashable) -> None:
    with _lock:
        _entries.pop(key, None)


def clear() -> None:
    with _lock:
        _entries.clear()
