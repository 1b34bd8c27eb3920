"""The local stack's AWS state, kept on disk across Ctrl-C and restarts of `make run`.

moto runs in this process, so its backends (DynamoDB tables, S3 objects, SQS queues with their
pending messages, Cognito pools with users, passwords and signing key, Secrets Manager secrets)
are Python objects: they are pickled to one file and unpickled before the server answers its first
request. Resource ids stay what they were, so the functions' environment does too.

A snapshot is taken between requests (a request holds the shared side of a read-write lock, the
snapshot the exclusive side), at most every `interval` seconds after a request that changed
something and once more on shutdown; it is written atomically (temp file, fsync, os.replace), so
a kill -9 loses at most the last interval and never leaves a half-written file.
"""

from __future__ import annotations

import io
import logging
import os
import pickle
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

SERVICES = ("dynamodb", "s3", "sqs", "cognito-idp", "secretsmanager")
FORMAT = 1
# Actions that change nothing worth keeping (a received message is deleted by a later request).
_READ_PREFIXES = ("Get", "Describe", "List", "Query", "Scan", "BatchGet", "ReceiveMessage")


class StateError(Exception):
    """The saved state cannot be used (another moto version, a damaged file)."""


class ReadWriteLock:
    """Many requests at once, or one snapshot; a waiting snapshot goes before new requests."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    def acquire_read(self) -> None:
        with self._cond:
            while self._writing or self._writers_waiting:
                self._cond.wait()
            self._readers += 1

    def release_read(self) -> None:
        with self._cond:
            self._readers -= 1
            if not self._readers:
                self._cond.notify_all()

    def acquire_write(self) -> None:
        with self._cond:
            self._writers_waiting += 1
            while self._writing or self._readers:
                self._cond.wait()
            self._writers_waiting -= 1
            self._writing = True

    def release_write(self) -> None:
        with self._cond:
            self._writing = False
            self._cond.notify_all()


def changes_state(environ: dict[str, Any]) -> bool:
    """Whether a request to moto may change what a snapshot holds."""
    if environ.get("REQUEST_METHOD") in ("GET", "HEAD", "OPTIONS"):
        return False
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    action = target.rpartition(".")[2]
    return not (action and action.startswith(_READ_PREFIXES))


class _Pickler(pickle.Pickler):
    """Pickles moto's backends: locks are made anew, RSA keys travel as PEM."""

    def reducer_override(self, obj: Any) -> Any:
        from cryptography.hazmat.primitives.asymmetric import rsa

        if isinstance(obj, threading.Condition):
            return threading.Condition, ()
        if isinstance(obj, _LOCK_TYPES):
            return type(obj), ()
        if isinstance(obj, rsa.RSAPrivateKey):
            from cryptography.hazmat.primitives import serialization

            pem = obj.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            return _load_private_key, (pem,)
        return NotImplemented


_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))
logger = logging.getLogger(__name__)


def _load_private_key(pem: bytes) -> Any:
    from cryptography.hazmat.primitives import serialization

    return serialization.load_pem_private_key(pem, password=None)


def _backend_dicts() -> dict[str, Any]:
    from moto.backends import get_backend

    return {name: get_backend(name) for name in SERVICES}  # type: ignore[call-overload]


def dump(extra: dict[str, Any]) -> bytes:
    """moto's backends of SERVICES and `extra` (what the run seeded), as bytes."""
    import moto

    backends = {
        name: {account: dict(regions) for account, regions in backend_dict.items()}
        for name, backend_dict in _backend_dicts().items()
    }
    out = io.BytesIO()
    _Pickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump(
        {"format": FORMAT, "moto": moto.__version__, "backends": backends, "extra": extra}
    )
    return out.getvalue()


def load(data: bytes) -> dict[str, Any]:
    """Puts the backends of a snapshot in place of moto's; returns its `extra`."""
    import moto

    try:
        state = pickle.loads(data)  # noqa: S301 - our own file, in the git-ignored .local/
    except Exception as err:
        raise StateError(f"the saved state cannot be read ({err!r})") from err
    if state.get("format") != FORMAT or state.get("moto") != moto.__version__:
        raise StateError(
            f"the saved state is of moto {state.get('moto')}, format {state.get('format')}; "
            f"this is moto {moto.__version__}, format {FORMAT}"
        )
    dicts = _backend_dicts()
    for name, accounts in state["backends"].items():
        for account, regions in accounts.items():
            per_account = dicts[name][account]  # creates the account's (lazy) dict
            for region, backend in regions.items():
                dict.__setitem__(per_account, region, backend)
    extra: dict[str, Any] = state["extra"]
    return extra


def write_atomically(path: Path, data: bytes, mtime_ns: int | None = None) -> None:
    """The file holds the old bytes or the new ones, whatever happens: temp, fsync, replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    if mtime_ns is not None:
        os.utime(tmp, ns=(mtime_ns, mtime_ns))
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class StateKeeper:
    """WSGI middleware in front of moto that saves its state to `path` as it changes."""

    def __init__(self, app: Callable[..., Iterable[bytes]], path: Path, interval: float = 1.0):
        self.app, self.path, self.interval = app, path, interval
        self.lock = ReadWriteLock()
        self.extra: dict[str, Any] | None = None  # None: nothing to save yet (still seeding)
        self._changes = 0
        self._saved = 0
        self._save_lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        self.lock.acquire_read()
        try:
            # moto builds the whole body inside the call: the state is not touched after it
            response = self.app(environ, start_response)
            try:
                body = list(response)
            finally:
                close = getattr(response, "close", None)
                if close:
                    close()
            if changes_state(environ):
                self._changes += 1  # under the read lock: a snapshot never misses it
            return body
        finally:
            self.lock.release_read()

    def restore(self) -> dict[str, Any] | None:
        """Loads the saved state if there is one; returns what the saving run seeded."""
        if not self.path.exists():
            return None
        self.extra = load(self.path.read_bytes())
        return self.extra

    def start(self, extra: dict[str, Any]) -> None:
        """Saves now, then whenever something changed, every `interval` seconds."""
        self.extra = extra
        self._changes += 1
        self.save()
        self._thread = threading.Thread(target=self._run, daemon=True, name="state-keeper")
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            try:
                self.save()
            except Exception:  # a full disk, say: the last good state stays; try again next time
                logger.exception("could not save the local state to %s", self.path)

    def save(self) -> bool:
        """Writes a snapshot if anything changed since the last one; True if it wrote one."""
        with self._save_lock:
            if self.extra is None or self._changes == self._saved:
                return False
            self.lock.acquire_write()
            try:
                changes, data, taken = self._changes, dump(self.extra), time.time_ns()
            finally:
                self.lock.release_write()
            write_atomically(self.path, data, mtime_ns=taken)  # its mtime: when it was taken
            self._saved = changes
            return True

    def stop(self) -> None:
        """Stops the periodic saves and saves what changed since the last one."""
        self._stopping.set()
        if self._thread:
            self._thread.join(timeout=30)
        self.save()


def saved_at(path: Path) -> str:
    """When the snapshot at `path` was taken (its mtime), UTC."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(path.stat().st_mtime))
