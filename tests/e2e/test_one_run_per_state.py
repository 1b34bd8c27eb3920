"""One `make run` per state directory (issue 21): a second `make run` or `make reset` on a `.local/`
in use refuses at once, naming the running one, and leaves its state and `demo.env` alone; a run
on another state directory goes ahead beside it; after the first is killed (SIGKILL) a new run
starts on its state."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from infra.local.state_lock import LOCK_FILE
from tests.conftest import _free_port
from tests.e2e.test_restart_keeps_state import MakeRun, _login
from tests.support import unique_phone

pytestmark = pytest.mark.local_only(
    "starts and kills `make run`s of its own")

REFUSED_WITHIN = 20.0  # seconds: "at once" (a Python start and an import or two), not a stack's start


def _refused(run: MakeRun) -> str:
    """A run that must refuse: its exit status is not 0, quickly; returns what it printed."""
    started = time.monotonic()
    try:
        status = run.proc.wait(timeout=REFUSED_WITHIN)
    except subprocess.TimeoutExpired:
        run.kill()
        raise AssertionError(f"the run did not refuse (it went on starting):\n{run.output()}") from None
    run.ready.wait(5)  # its reader has all its lines
    assert status != 0, run.output()
    assert time.monotonic() - started < REFUSED_WITHIN
    return "".join(run.lines)


def _files(local: Path) -> dict[str, bytes]:
    return {name: (local / name).read_bytes() for name in ("demo.env", "demo.json")}


def test_given_a_running_stack_when_make_run_or_reset_starts_on_its_state_then_it_is_refused(tmp_path):
    local, port, aws_port = tmp_path / "local", _free_port(), _free_port()
    phone, password = unique_phone(), "one-state-2026"

    # Given a run with a user registered in it
    first = MakeRun(local, port, aws_port)
    with first.diagnosed():
        try:
            demo = first.wait_ready()
            status, body, _ = first.http.post("/v1/auth/register", {
                "phone": phone, "password": password, "display_name": "先来 First",
                "consent": {"version": "2026-11", "accepted": True}})
            assert status == 201, body
            before = _files(local)

            # When a second `make run` and a `make reset` start on the same state (other free ports)
            for args in ((), ("--fresh",)):
                other_port, other_aws = _free_port(), _free_port()
                output = _refused(MakeRun(local, other_port, other_aws, *args))
                # Then each refuses naming the running one's ports and pid, and how to run beside it
                assert f"is in use by another `make run` (pid {first.proc.pid})" in output, output
                assert f"http://127.0.0.1:{port}" in output and f"PORT={port}" in output, output
                assert f"http://127.0.0.1:{aws_port}" in output and f"AWS_PORT={aws_port}" in output, output
                assert "TANHUI_LOCAL_DIR=" in output
                # and the running one's files, state and users are as they were
                assert _files(local) == before
                assert first.proc.poll() is None
                status, tokens = _login(first.http, phone, password)
                assert status == 200, tokens

            # And one on another state directory but this one's port is told to take other ports
            output = _refused(MakeRun(tmp_path / "other-port", port, _free_port()))
            assert f"port {port} is in use by another program" in output, output
            assert "TANHUI_LOCAL_DIR=" in output and "Set PORT" in output

            # And a run on another state directory, on its own ports, starts beside it
            beside = MakeRun(tmp_path / "other", _free_port(), _free_port())
            with beside.diagnosed():
                try:
                    assert beside.wait_ready()["api"] != demo["api"]
                finally:
                    assert beside.interrupt() == 0
            assert _files(local) == before
        finally:
            # When the first is killed with SIGKILL (its lock file stays, holding its last words)
            first.kill()
    assert (local / LOCK_FILE).exists()

    # Then a new run starts on its state, with the user the first registered
    after = MakeRun(local, port, aws_port)
    with after.diagnosed():
        try:
            assert after.wait_ready() == demo
            assert "reused" in after.banner_state()
            status, tokens = _login(after.http, phone, password)
            assert status == 200, tokens
        finally:
            assert after.interrupt() == 0
