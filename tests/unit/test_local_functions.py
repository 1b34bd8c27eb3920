"""The local stack's functions (infra/local/functions.py) share one process: their init phases
(handler imports) must not run at once, and `make run` has them all done before it serves.

Two threads importing Powertools at once (a request's first call of IdentityFunction while the
dispatcher's first SQS batch loads ImportFunction) made CPython raise `ImportError: cannot import
name 'SQSEvent' from partially initialized module` in one and `KeyError:
'aws_lambda_powertools.utilities.data_classes'` in the other: a 500 on the first request after the
banner of a new `make run`.
"""

from __future__ import annotations

import sys
import threading
import types
from pathlib import Path
from typing import Any

import pytest

from infra.local import functions as local_functions
from infra.local.cfn import FunctionSpec
from infra.local.functions import LocalFunction

PROBE = "_tanhui_init_probe"
HANDLER = f"""
import sys, time
probe = sys.modules[{PROBE!r}]
probe.enter()
time.sleep(0.2)  # a slow import: long enough for another thread to start its own
probe.leave()

def lambda_handler(event, context):
    return {{"statusCode": 200, "body": "ok"}}
"""


class _Probe(types.ModuleType):
    """Counts the imports in progress and the most seen at once."""

    def __init__(self) -> None:
        super().__init__(PROBE)
        self._lock = threading.Lock()
        self.active = self.most = self.imports = 0

    def enter(self) -> None:
        with self._lock:
            self.imports += 1
            self.active += 1
            self.most = max(self.most, self.active)

    def leave(self) -> None:
        with self._lock:
            self.active -= 1


def _functions(tmp_path: Path, n: int) -> list[LocalFunction]:
    out = []
    for i in range(n):
        code = tmp_path / f"fn{i}"
        code.mkdir()
        (code / "app.py").write_text(HANDLER)
        out.append(LocalFunction(FunctionSpec(f"Probe{i}Function", code, "app.lambda_handler", 10, 128)))
    return out


def _at_once(calls: list[Any]) -> list[BaseException]:
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call: Any) -> None:
        barrier.wait()
        try:
            call()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return errors


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> _Probe:
    found = _Probe()
    monkeypatch.setitem(sys.modules, PROBE, found)
    return found


def test_given_two_functions_invoked_first_from_two_threads_then_their_imports_never_overlap(
    tmp_path, probe
):
    a, b = _functions(tmp_path, 2)

    errors = _at_once([lambda: a.invoke({}), lambda: b.invoke({})])

    assert errors == []
    assert probe.most == 1, "two handler modules were imported at the same time"


def test_given_a_load_and_a_first_invoke_at_once_then_the_handler_is_imported_once(tmp_path, probe):
    (fn,) = _functions(tmp_path, 1)

    errors = _at_once([fn.load, lambda: fn.invoke({})])

    assert errors == []
    assert fn.invoke({})["body"] == "ok"
    assert probe.imports == 1


def test_given_the_local_stack_when_its_api_starts_then_every_handler_is_loaded_before_it_serves(
    monkeypatch
):
    from werkzeug import serving

    from infra.local import dispatcher
    from infra.local.run import Stack

    loaded: list[str] = []
    monkeypatch.setattr(local_functions, "_load_handler", lambda spec: loaded.append(spec.logical_id))
    stack = Stack(port=0)
    stack.aws = object()
    seen_at_serve: dict[str, list[str]] = {}

    class Server:
        server_port = 1

        def serve_forever(self) -> None:
            pass

    def make_server(*args: Any, **kwargs: Any) -> Server:
        seen_at_serve["server"] = list(loaded)
        return Server()

    def make_dispatcher(*args: Any, **kwargs: Any) -> Any:
        seen_at_serve["dispatcher"] = list(loaded)
        return object()

    monkeypatch.setattr(serving, "make_server", make_server)
    monkeypatch.setattr(dispatcher, "Dispatcher", make_dispatcher)

    stack.start_api()

    every = sorted(stack.gateway.functions)
    assert sorted(seen_at_serve["server"]) == every
    assert sorted(seen_at_serve["dispatcher"]) == every
