"""The one per-container TTL cache: metadata a claim reads (assets, factor versions, partner
names), which partner a staff login belongs to, and the code-signing keyring.

Metadata entries live for `settings.metadata_cache_seconds` (default 60 s). That age is also the
documented delay of asset retirement/revocation and batch revocation, which claims read from the
cached asset; a single code's revocation and de-duplication are conditions of the claim
transaction itself (immediate). A caller may ask for a younger entry (`max_age`), e.g. the keyring
re-reads its secret sooner for a kid it does not know. The cache holds at most `MAX_ENTRIES`; when
full, the oldest entry goes. `clock` is the time source (monotonic seconds), replaceable in tests
to age entries without sleeping.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

from tanhui.config import get_settings

MAX_ENTRIES = 10_000
clock: Callable[[], float] = time.monotonic
_entries: dict[Hashable, tuple[float, Any]] = {}  # key -> (loaded at, value), oldest first
_lock = threading.Lock()


def cached(key: Hashable, load: Callable[[], Any], *, max_age: float | None = None) -> Any:
    """`load()` once per key per `max_age` seconds (default `metadata_cache_seconds`). A concurrent
    miss may load twice (both results are equal); a `load()` that raises stores nothing."""
    age = get_settings().metadata_cache_seconds if max_age is None else max_age
    hit = _entries.get(key)
    now = clock()
    if hit is not None and now - hit[0] < age:
        return hit[1]
    value = load()
    with _lock:
        _entries.pop(key, None)
        while len(_entries) >= MAX_ENTRIES:
            del _entries[next(iter(_entries))]
        _entries[key] = (now, value)
    return value


def forget(key: Hashable) -> None:
    with _lock:
        _entries.pop(key, None)


def clear() -> None:
    with _lock:
        _entries.clear()
