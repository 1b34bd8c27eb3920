"""`make run` as its own process, stopped and started again on one state directory: what the first
run made (users, passwords, partners, codes, signing key, wallets) is there in the next; a kill -9
loses at most the last seconds; `--fresh` starts over."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from infra.local.cfn import ROOT
from infra.local.run import STATE_FILE
from tests.conftest import _free_port
from tests.e2e.conftest import Http
from tests.support import unique_phone

READY = "Tanhui is running."
START_TIMEOUT = 120.0


class MakeRun:
    """One `python -m infra.local.run` process on a state directory and two free ports."""

    def __init__(self, local_dir: Path, port: int, aws_port: int, *args: str):
        env = os.environ | {
            "TANHUI_LOCAL_DIR": str(local_dir),
            "PORT": str(port),
            "AWS_PORT": str(aws_port),
            "PYTHONPATH": f"{ROOT / 'layers' / 'common'}{os.pathsep}{ROOT}",
        }
        for name in ("AWS_ENDPOINT_URL", "TABLE_NAME", "FRESH"):  # the test session's, not the run's
            env.pop(name, None)
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "infra.local.run", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        self.http = Http(f"http://127.0.0.1:{port}")
        self.demo_path = local_dir / "demo.json"

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            if READY in line:
                self.ready.set()
        self.ready.set()  # the process ended: wait_ready says how

    def wait_ready(self) -> dict[str, Any]:
        """Waits for the banner (not a fixed time); returns demo.json."""
        if not self.ready.wait(START_TIMEOUT) or self.proc.poll() is not None:
            self.proc.kill()
            pytest.fail("make run did not come up:\n" + "".join(self.lines[-40:]))
        demo: dict[str, Any] = json.loads(self.demo_path.read_text())
        return demo

    def banner_state(self) -> str:
        return next(line for line in self.lines if line.strip().startswith("State"))

    def interrupt(self) -> int:
        """Ctrl-C, and its exit status."""
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout=60)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=60)


def _wait_for_a_save(state: Path, after: int, timeout: float = 15.0) -> None:
    """Until a snapshot taken after `after` (time.time_ns()) is on disk: its mtime says when."""
    deadline = time.monotonic() + timeout
    while state.stat().st_mtime_ns <= after:
        assert time.monotonic() < deadline, "the state was not saved after a change"
        time.sleep(0.05)


def _login(http: Http, phone: str, password: str) -> tuple[int, Any]:
    status, body, _ = http.post("/v1/auth/login", {"phone": phone, "password": password})
    return status, body


def test_given_a_claim_when_make_run_restarts_then_logins_wallet_ledger_and_codes_are_kept(tmp_path):
    local, port, aws_port = tmp_path / "local", _free_port(), _free_port()
    state = local / STATE_FILE
    phone, password = unique_phone(), "green-trip-2026"

    # Given a first run, a new tourist and a claim of a printed single-use code
    first = MakeRun(local, port, aws_port)
    try:
        demo = first.wait_ready()
        assert "new" in first.banner_state()
        status, _, _ = first.http.post(
            "/v1/auth/register",
            {
                "phone": phone,
                "password": password,
                "display_name": "回头客 Returning",
                "consent": {"version": "2026-11", "accepted": True},
            },
        )
        assert status == 201
        status, tokens = _login(first.http, phone, password)
        old_access = tokens["access_token"]
        ticket, product = (demo["assets"][k]["codes"][0]["url"] for k in ("ticket_product", "product_sku"))
        status, claim, _ = first.http.post("/v1/claims", {"code": ticket}, token=old_access)
        assert status == 201, claim
    finally:
        # When it is stopped with Ctrl-C
        assert first.interrupt() == 0

    # Then the next run reuses the state: same demo logins, passwords, partners and codes
    second = MakeRun(local, port, aws_port)
    try:
        assert second.wait_ready() == demo
        assert "reused" in second.banner_state()
        status, tokens = _login(second.http, phone, password)
        assert status == 200, tokens
        access = tokens["access_token"]
        status, wallet, _ = second.http.get("/v1/me/wallet", token=access)
        assert status == 200 and wallet["coins"] == claim["coins"] > 0
        status, ledger, _ = second.http.get("/v1/me/ledger", token=access)
        assert [e["entry_id"] for e in ledger["items"]] == [claim["claim_id"]]
        status, again, _ = second.http.post("/v1/claims", {"code": ticket}, token=access)
        assert status == 200 and again["already_credited"] is True and again["claim_id"] == claim["claim_id"]
        status, _, _ = second.http.get(ticket[ticket.index("/Q/") :])
        assert status == 200  # the landing page of a code printed in the first run
        # a token the first run issued still verifies (moto's pool key is kept with the pool)
        assert second.http.get("/v1/me", token=old_access)[0] == 200
        status, admin = _login(second.http, demo["admin"]["phone"], demo["admin"]["password"])
        status, partners, _ = second.http.get("/v1/admin/partners?limit=50", token=admin["access_token"])
        assert len(partners["items"]) == len(demo["partners"])  # seeded once, not again

        # and a kill -9 after the last save loses nothing of it
        status, late, _ = second.http.post("/v1/claims", {"code": product}, token=access)
        assert status == 201, late
        _wait_for_a_save(state, after=time.time_ns())
    finally:
        second.kill()

    third = MakeRun(local, port, aws_port)
    try:
        third.wait_ready()
        status, tokens = _login(third.http, phone, password)
        assert status == 200
        status, ledger, _ = third.http.get("/v1/me/ledger", token=tokens["access_token"])
        assert {e["entry_id"] for e in ledger["items"]} == {claim["claim_id"], late["claim_id"]}
    finally:
        assert third.interrupt() == 0

    # and --fresh (make reset, make run FRESH=1) starts over: new users, new signing key
    fresh = MakeRun(local, port, aws_port, "--fresh")
    try:
        new_demo = fresh.wait_ready()
        assert "new" in fresh.banner_state()
        status, body = _login(fresh.http, phone, password)
        assert status == 401 and body["error"]["code"] == "invalid_credentials"
        tourist = new_demo["tourist"]
        status, tokens = _login(fresh.http, tourist["phone"], tourist["password"])
        status, body, _ = fresh.http.post("/v1/claims", {"code": ticket}, token=tokens["access_token"])
        assert status == 422 and body["error"]["code"] == "invalid_code"
    finally:
        assert fresh.interrupt() == 0
