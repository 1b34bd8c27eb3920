"""e2e: the local gateway over real HTTP, on the session's moto server, with the dispatcher."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest


class Http:
    """A tiny JSON client: returns (status, parsed body, headers)."""

    def __init__(self, base_url: str):
        self.base_url = base_url

    def request(self, method: str, path: str, body: Any = None, token: str | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, Any, dict[str, str]]:
        data = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else None
        hdrs = {"content-type": "application/json"} if data is not None else {}
        if token:
            hdrs["authorization"] = f"Bearer {token}"
        hdrs |= headers or {}
        req = urllib.request.Request(self.base_url + path, data=data, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - loopback only
                raw, status, rh = resp.read(), resp.status, dict(resp.headers)
        except urllib.error.HTTPError as err:
            raw, status, rh = err.read(), err.code, dict(err.headers)
        ctype = rh.get("Content-Type", "")
        parsed: Any = json.loads(raw) if raw and "json" in ctype else raw
        return status, parsed, rh

    def get(self, path: str, **kw: Any) -> tuple[int, Any, dict[str, str]]:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> tuple[int, Any, dict[str, str]]:
        return self.request("POST", path, body, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> tuple[int, Any, dict[str, str]]:
        return self.request("PUT", path, body, **kw)


@pytest.fixture(scope="session")
def local_stack(aws: Any) -> Iterator[Any]:
    """The same gateway and dispatcher `make run` starts, on a free port."""
    from infra.local.run import Stack

    stack = Stack(port=0, endpoint=aws.endpoint)
    stack.aws = aws
    stack.start_api()
    yield stack
    stack.server.shutdown()


@pytest.fixture(scope="session")
def http(local_stack: Any) -> Http:
    return Http(local_stack.url)


@pytest.fixture(scope="session")
def demo(local_stack: Any) -> dict[str, Any]:
    """The seed `make run` runs (demo partners, assets, codes, factors), once a session: its logins
    have fixed phones."""
    from infra.local.seed import seed

    return seed()
