"""Lambda's event filtering (FilterCriteria), for the records the local stack delivers.

The subset of the pattern language the template uses or may soon: nested objects, a list of
literal values (any of them matches), `{"prefix": …}`, `{"exists": true|false}` and
`{"anything-but": [...]}`. Anything else is refused, rather than matched wrongly.
"""

from __future__ import annotations

import json
from typing import Any

_MISSING = object()


def matches_any(patterns: tuple[str, ...] | list[str], record: dict[str, Any]) -> bool:
    """Whether the record passes the filters (no filters: every record does)."""
    return not patterns or any(matches(json.loads(p), record) for p in patterns)


def matches(pattern: dict[str, Any], value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    for key, expected in pattern.items():
        got = value.get(key, _MISSING)
        if isinstance(expected, dict):
            if got is _MISSING or not matches(expected, got):
                return False
        elif isinstance(expected, list):
            if not any(_rule(rule, got) for rule in expected):
                return False
        else:
            raise ValueError(f"a filter pattern's leaves are lists, not {expected!r}")
    return True


def _rule(rule: Any, got: Any) -> bool:
    if not isinstance(rule, dict):
        return got is not _MISSING and got == rule
    ((name, arg),) = rule.items()
    if name == "exists":
        return (got is not _MISSING) is bool(arg)
    if name == "prefix":
        return isinstance(got, str) and got.startswith(arg)
    if name == "anything-but":
        values = arg if isinstance(arg, list) else [arg]
        return got is not _MISSING and got not in values
    raise ValueError(f"filter rule {name!r} is not supported locally")
