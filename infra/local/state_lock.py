"""One `make run` per state directory (`.local/`, `TANHUI_LOCAL_DIR`).

Two runs on one state each keep their own moto in memory and each save it over the other's file,
so whatever the one that saved first did (a registered user, a claim) is gone after a restart, and
the second overwrites `demo.env` with its own ports. The first run therefore takes an exclusive
`flock` on `<state>/run.lock` and holds it for its life; the kernel drops it when the process ends
however it ends (Ctrl-C, SIGKILL, a crash), so no stale lock is ever left to clear by hand. The
holder writes who it is (pid, ports, URLs) into the lock file, and a second run on the same state
(or `make reset`, which would delete the state under the first) refuses at once, naming them.
Another state directory is another lock: runs on different `TANHUI_LOCAL_DIR`s (and ports) run
side by side.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path
from typing import Any

LOCK_FILE = "run.lock"


class StateInUse(SystemExit):
    """Another process holds the state directory: `make run` exits with this message (status 1)."""

    def __init__(self, message: str, holder: dict[str, Any]):
        super().__init__(message)
        self.holder = holder


class StateLock:
    """The state directory's lock, held from `acquire` until `release` or the process's end."""

    def __init__(self, state_dir: Path):
        self.state_dir = state_dir
        self.path = state_dir / LOCK_FILE
        self._fd: int | None = None

    def acquire(self, **holder: Any) -> None:
        """Takes the lock without waiting and records `holder` (ports, URLs) with this pid;
        raises StateInUse naming the holder when another process has it."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            running = read_holder(self.path)
            raise StateInUse(refusal(self.state_dir, running), running) from None
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        self.update(**holder)

    def update(self, **holder: Any) -> None:
        """Rewrites what the lock file says about this run (e.g. once its ports are bound)."""
        assert self._fd is not None, "update() before acquire()"
        data = json.dumps({"pid": os.getpid()} | holder, sort_keys=True).encode()
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, data, 0)
        os.fsync(self._fd)

    def release(self) -> None:
        """Empties the file (nobody runs here now) and drops the lock; the file stays, so a run
        starting meanwhile locks the same inode."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
        finally:
            os.close(fd)  # closing the last descriptor of the open file drops the flock


def read_holder(path: Path, wait: float = 2.0) -> dict[str, Any]:
    """What the running instance wrote in its lock file. It writes right after taking the lock, so
    an empty file means it is between the two: read again for up to `wait` seconds."""
    deadline = time.monotonic() + wait
    while True:
        try:
            holder: dict[str, Any] = json.loads(path.read_bytes())
            return holder
        except (OSError, ValueError):
            if time.monotonic() >= deadline:
                return {}
            time.sleep(0.05)


def refusal(state_dir: Path, holder: dict[str, Any]) -> str:
    """The message a second `make run` (or `make reset`) on a state in use exits with."""
    pid = holder.get("pid", "?")
    lines = [f"{state_dir} is in use by another `make run` (pid {pid}):"]
    if "api" in holder:
        lines.append(f"  API            {holder['api']}   (PORT={holder.get('port', '?')})")
    elif "port" in holder:
        lines.append(f"  API            port {holder['port']}   (still starting)")
    if "aws_endpoint" in holder:
        lines.append(f"  AWS endpoint   {holder['aws_endpoint']}   (AWS_PORT={holder.get('aws_port', '?')})")
    elif "aws_port" in holder:
        lines.append(f"  AWS endpoint   port {holder['aws_port']}")
    lines += [
        "Use that one (its logins are in demo.env beside this lock), or stop it (Ctrl-C in its",
        f"terminal, or `kill {pid}`) before `make run` or `make reset` here. Two runs on one state",
        "would each save their own copy over the other's and lose what the other did.",
        "A second, separate stack needs its own state and ports, e.g.",
        "  TANHUI_LOCAL_DIR=/tmp/tanhui-2 PORT=3001 AWS_PORT=4567 make run",
    ]
    return "\n".join(lines)
