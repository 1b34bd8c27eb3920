"""The per-container metadata cache: its age is a setting, and it is the documented delay of asset
and batch revocation on the claim path."""

from __future__ import annotations

import pytest
from tanhui import cache
from tanhui.config import get_settings


@pytest.fixture
def cache_age(monkeypatch):
    """Sets METADATA_CACHE_SECONDS for one test, with a hand-moved clock and an empty cache."""
    now = [1000.0]
    monkeypatch.setattr(cache, "clock", lambda: now[0])
    cache.clear()

    def configure(seconds: str) -> list[float]:
        monkeypatch.setenv("METADATA_CACHE_SECONDS", seconds)
        get_settings.cache_clear()
        return now

    yield configure
    cache.clear()
    get_settings.cache_clear()


def test_given_no_setting_then_cached_metadata_is_at_most_60_seconds_old(monkeypatch):
    monkeypatch.delenv("METADATA_CACHE_SECONDS", raising=False)
    get_settings.cache_clear()
    try:
        assert get_settings().metadata_cache_seconds == 60
    finally:
        get_settings.cache_clear()


def test_given_a_configured_age_when_it_passes_then_the_entry_is_loaded_again(cache_age):
    now = cache_age("15")
    loads: list[str] = []

    def load() -> str:
        loads.append("asset")
        return f"version {len(loads)}"

    assert cache.cached(("asset", "P", "A"), load) == "version 1"
    now[0] += 14.999
    assert cache.cached(("asset", "P", "A"), load) == "version 1"  # still within the age
    now[0] += 0.001
    assert cache.cached(("asset", "P", "A"), load) == "version 2"  # at the age: read again
    assert len(loads) == 2


def test_given_a_caller_asks_for_a_younger_entry_then_an_older_one_is_loaded_again(cache_age):
    now = cache_age("60")
    loads: list[int] = []

    def load() -> int:
        loads.append(1)
        return len(loads)

    assert cache.cached("keyring", load, max_age=300) == 1
    now[0] += 100
    assert cache.cached("keyring", load, max_age=300) == 1  # five minutes, not the metadata age
    assert cache.cached("keyring", load, max_age=30) == 2  # e.g. an unknown kid: read sooner


def test_given_a_full_cache_when_another_key_is_loaded_then_the_oldest_entry_goes(cache_age, monkeypatch):
    cache_age("60")
    monkeypatch.setattr(cache, "MAX_ENTRIES", 2)
    for key in ("a", "b", "c"):
        cache.cached(key, lambda key=key: key)
    assert cache.cached("a", lambda: "a again") == "a again"  # evicted
    assert cache.cached("c", lambda: "c again") == "c"
