"""One `make run` per state directory (infra/local/state_lock.py): the lock refuses a second holder,
naming the first, and is gone with its process however that process ended."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from infra.local.cfn import ROOT
from infra.local.state_lock import LOCK_FILE, StateInUse, StateLock

HOLDER = """
import sys
from pathlib import Path
from infra.local.state_lock import StateLock

lock = StateLock(Path(sys.argv[1]))
lock.acquire(port=3123, aws_port=4123, api="http://127.0.0.1:3123")
print("held", flush=True)
sys.stdin.read()  # until the test kills it
"""


def test_given_a_held_state_when_a_second_run_locks_it_then_it_is_refused_naming_the_first(tmp_path):
    first = StateLock(tmp_path)
    first.acquire(port=3123, aws_port=4123, api="http://127.0.0.1:3123",
                  aws_endpoint="http://127.0.0.1:4123")
    try:
        with pytest.raises(StateInUse) as refused:
            StateLock(tmp_path).acquire(port=3000, aws_port=4566)
        message = str(refused.value)
        assert f"pid {os.getpid()}" in message
        assert "http://127.0.0.1:3123" in message and "PORT=3123" in message
        assert "http://127.0.0.1:4123" in message and "AWS_PORT=4123" in message
        assert "TANHUI_LOCAL_DIR" in message  # how to run a separate stack instead
        assert refused.value.code == message  # SystemExit: printed, exit status 1
        assert refused.value.holder["port"] == 3123
    finally:
        first.release()
    # Then once released the next run takes it
    again = StateLock(tmp_path)
    again.acquire(port=3000, aws_port=4566)
    again.release()


def test_given_two_state_directories_when_both_are_locked_then_both_runs_go_ahead(tmp_path):
    a, b = StateLock(tmp_path / "a"), StateLock(tmp_path / "b")
    a.acquire(port=3000, aws_port=4566)
    b.acquire(port=3001, aws_port=4567)
    a.release()
    b.release()


def test_given_a_run_killed_with_sigkill_when_the_next_run_locks_then_no_stale_lock_stops_it(tmp_path):
    env = os.environ | {"PYTHONPATH": f"{ROOT / 'layers' / 'common'}{os.pathsep}{ROOT}"}
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)], cwd=ROOT, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        with pytest.raises(StateInUse) as refused:
            StateLock(tmp_path).acquire(port=3000, aws_port=4566)
        assert f"pid {proc.pid}" in str(refused.value) and "3123" in str(refused.value)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=15)
    assert (tmp_path / LOCK_FILE).read_bytes()  # what the killed run wrote is still there
    lock = StateLock(tmp_path)
    lock.acquire(port=3000, aws_port=4566)  # and is no lock: the kernel dropped it with the process
    lock.release()


def test_given_a_lock_file_not_yet_written_when_refused_then_the_message_still_names_the_state(tmp_path):
    lock_fd = os.open(tmp_path / LOCK_FILE, os.O_RDWR | os.O_CREAT)
    import fcntl

    fcntl.flock(lock_fd, fcntl.LOCK_EX)  # a run between taking the lock and writing its ports
    try:
        with pytest.raises(StateInUse) as refused:
            StateLock(tmp_path).acquire(port=3000, aws_port=4566)
        assert f"{tmp_path} is in use by another `make run`" in str(refused.value)
    finally:
        os.close(lock_fd)


def test_given_a_port_in_use_when_make_run_says_so_then_it_asks_for_another_port_and_state_not_a_second_run():
    from infra.local.run import port_in_use

    message = port_in_use(3000, "PORT")
    assert message.startswith("port 3000 is in use by another program")
    assert "Set PORT to use another port" in message
    assert "TANHUI_LOCAL_DIR=" in message  # a second stack needs its own state, never this one's
    assert "is another `make run` running" not in message
