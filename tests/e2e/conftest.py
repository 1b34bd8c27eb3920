"""e2e: the local gateway over real HTTP, on the session's moto server, with the dispatcher; or,
with TANHUI_API set, the stack at that URL over HTTP only (tests/e2e/remote.py)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e import remote


class Http:
    """A tiny JSON client: returns (status, parsed body, headers)."""

    def __init__(self, base_url: str, made: remote.Made | None = None):
        self.base_url = base_url
        self.made = made  # remote: what the run makes is labelled and noted, to be undone at the end

    def request(self, method: str, path: str, body: Any = None, token: str | None = None,
                headers: dict[str, str] | None = None,
                observe: bool = True) -> tuple[int, Any, dict[str, str]]:
        made = self.made if observe else None
        if made is not None:
            body = made.label(method, path, body)
        data = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else None
        hdrs = {"content-type": "application/json"} if data is not None else {}
        if token:
            hdrs["authorization"] = f"Bearer {token}"
        hdrs |= headers or {}
        req = urllib.request.Request(self.base_url + path, data=data, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - loopback or TANHUI_API
                raw, status, rh = resp.read(), resp.status, dict(resp.headers)
        except urllib.error.HTTPError as err:
            raw, status, rh = err.read(), err.code, dict(err.headers)
        ctype = rh.get("Content-Type", "")
        parsed: Any = json.loads(raw) if raw and "json" in ctype else raw
        if made is not None:
            made.observe(method, path, body, token, status, parsed)
        return status, parsed, rh

    def get(self, path: str, **kw: Any) -> tuple[int, Any, dict[str, str]]:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> tuple[int, Any, dict[str, str]]:
        return self.request("POST", path, body, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> tuple[int, Any, dict[str, str]]:
        return self.request("PUT", path, body, **kw)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if remote.remote():
        terminalreporter.write_line(remote.MADE.summary())


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    if remote.remote():
        for item in items:
            if marker := item.get_closest_marker("local_only"):
                reason = marker.args[0] if marker.args else remote.LOCAL_ONLY
                item.add_marker(pytest.mark.skip(reason=f"local only: {reason}"))


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
def http(request: Any) -> Iterator[Http]:
    """The stack's API: the local gateway, or the stack at TANHUI_API, whose users, partners and
    the rest the run made are undone at the end (a failure to undo fails the session)."""
    if not remote.remote():
        yield Http(request.getfixturevalue("local_stack").url)
        return
    client = Http(remote.URL, remote.MADE)
    if cannot := remote.preflight(client):
        pytest.exit(cannot, returncode=2)
    yield client
    failed = remote.MADE.clean_up(client, remote.operator(client).access_token)
    assert not failed, "what the run made was not all undone:\n" + "\n".join(failed)


@pytest.fixture
def settle(request: Any) -> Any:
    """`settle(fetch, done)`: what `fetch` answers once `done` says so, after the queues and the
    stream did their work (locally the dispatcher is drained; remotely the stack is asked again)."""
    drain = None if remote.remote() else request.getfixturevalue("local_stack").dispatcher.drain

    def wait(fetch: Any, done: Any) -> Any:
        return remote.settle(fetch, done, drain)

    return wait


@pytest.fixture(scope="session")
def demo(request: Any, http: Http) -> dict[str, Any]:
    """The seed `make run` runs (demo partners, assets, codes, factors), once a session: its logins
    have fixed phones. Remotely the same shape, made through the API (`remote.world`)."""
    if remote.remote():
        return remote.world(http, request.getfixturevalue("admin"))
    request.getfixturevalue("local_stack")
    from infra.local.seed import seed

    return seed()
