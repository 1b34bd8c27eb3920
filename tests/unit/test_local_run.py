"""`make run` (infra/local/run.py) stops on Ctrl-C whichever of its threads the signal lands on."""

from __future__ import annotations

import os
import subprocess
import sys

from infra.local.cfn import ROOT

# The handler is the one main() installs; the signal is taken by another thread, as the kernel
# may do with a process's Ctrl-C (or SIGTERM) when the main thread is not the one it wakes.
PROBE = """
import signal, threading, time
from infra.local.run import wait_until

stopped = threading.Event()
signal.signal(signal.SIGINT, lambda *_: stopped.set())

def ctrl_c_on_another_thread():
    time.sleep(0.3)
    signal.pthread_kill(threading.get_ident(), signal.SIGINT)

threading.Thread(target=ctrl_c_on_another_thread).start()
wait_until(stopped)
print("stopped")
"""


def test_given_a_ctrl_c_taken_by_another_thread_when_make_run_waits_then_it_stops():
    env = os.environ | {"PYTHONPATH": f"{ROOT / 'layers' / 'common'}{os.pathsep}{ROOT}"}
    try:
        out = subprocess.run(
            [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=15
        )
    except subprocess.TimeoutExpired:
        raise AssertionError("make run's wait did not see the Ctrl-C (it waits on, forever)") from None
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "stopped"
