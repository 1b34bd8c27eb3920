"""`make run` as its own process, stopped and started again on one state directory: what the first
run made (users, passwords, partners, codes, signing key, wallets) is there in the next; a kill -9
loses at most the last seconds; `--fresh` starts over."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from infra.local.cfn import ROOT
from infra.local.run import STATE_FILE
from tests.conftest import _free_port
from tests.e2e.conftest import Http
from tests.support import unique_phone

pytestmark = pytest.mark.local_only(
    "starts and kills `make run`s of its own")

READY = "Tanhui is running."
START_TIMEOUT = 120.0
ACCESS_LOG = re.compile(r'^\S+ - - \[[^]]*\] "')  # werkzeug's one line per request


class MakeRun:
    """One `python -m infra.local.run` process on a state directory and two free ports."""

    def __init__(self, local_dir: Path, port: int, aws_port: int, *args: str,
                 env: dict[str, str] | None = None):
        env = os.environ | {
            "TANHUI_LOCAL_DIR": str(local_dir),
            "PORT": str(port),
            "AWS_PORT": str(aws_port),
            "PYTHONPATH": f"{ROOT / 'layers' / 'common'}{os.pathsep}{ROOT}",
        } | (env or {})
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

    def output(self, last: int = 80) -> str:
        """The run's last lines of its own (tracebacks, function logs), without the access log."""
        own = [line for line in self.lines if not ACCESS_LOG.match(line)]
        return "".join(own[-last:])

    @contextmanager
    def diagnosed(self) -> Iterator[MakeRun]:
        """A failed assertion (or any error) inside says what the server printed."""
        try:
            yield self
        except (Exception, pytest.fail.Exception) as exc:  # pytest.fail raises a BaseException
            flags = " ".join(str(a) for a in self.proc.args[3:]) or "no flags"  # type: ignore[index]
            exc.add_note(f"--- make run ({flags}): its last lines but the access log ---\n{self.output()}")
            raise

    def banner_state(self) -> str:
        return next(line for line in self.lines if line.strip().startswith("State"))

    def interrupt(self) -> int:
        """Ctrl-C, and its exit status; a run that ignores it is killed, not left behind."""
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail("make run did not stop within 60 s of its Ctrl-C")

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
    with first.diagnosed():
        try:
            demo = first.wait_ready()
            assert "new" in first.banner_state()
            status, body, _ = first.http.post(
                "/v1/auth/register",
                {
                    "phone": phone,
                    "password": password,
                    "display_name": "回头客 Returning",
                    "consent": {"version": "2026-11", "accepted": True},
                },
            )
            assert status == 201, body
            status, tokens = _login(first.http, phone, password)
            assert status == 200, tokens
            old_access = tokens["access_token"]
            assets = demo["assets"]
            ticket, product = (assets[k]["codes"][0]["url"] for k in ("ticket_product", "product_sku"))
            status, claim, _ = first.http.post("/v1/claims", {"code": ticket}, token=old_access)
            assert status == 201, claim
        finally:
            # When it is stopped with Ctrl-C
            assert first.interrupt() == 0

    # Then the next run reuses the state: same demo logins, passwords, partners and codes
    second = MakeRun(local, port, aws_port)
    with second.diagnosed():
        try:
            assert second.wait_ready() == demo
            assert "reused" in second.banner_state()
            status, tokens = _login(second.http, phone, password)
            assert status == 200, tokens
            access = tokens["access_token"]
            status, wallet, _ = second.http.get("/v1/me/wallet", token=access)
            assert status == 200, wallet
            assert wallet["coins"] == claim["coins"] > 0
            status, ledger, _ = second.http.get("/v1/me/ledger", token=access)
            assert status == 200, ledger
            assert [e["entry_id"] for e in ledger["items"]] == [claim["claim_id"]]
            status, again, _ = second.http.post("/v1/claims", {"code": ticket}, token=access)
            assert status == 200, again
            assert again["already_credited"] is True and again["claim_id"] == claim["claim_id"]
            status, page, _ = second.http.get(ticket[ticket.index("/Q/") :])
            assert status == 200, page  # the landing page of a code printed in the first run
            # a token the first run issued still verifies (moto's pool key is kept with the pool)
            status, me, _ = second.http.get("/v1/me", token=old_access)
            assert status == 200, me
            status, admin = _login(second.http, demo["admin"]["phone"], demo["admin"]["password"])
            assert status == 200, admin
            status, partners, _ = second.http.get("/v1/admin/partners?limit=50", token=admin["access_token"])
            assert status == 200, partners
            assert len(partners["items"]) == len(demo["partners"])  # seeded once, not again

            # and a kill -9 after the last save loses nothing of it
            status, late, _ = second.http.post("/v1/claims", {"code": product}, token=access)
            assert status == 201, late
            _wait_for_a_save(state, after=time.time_ns())
        finally:
            second.kill()

    third = MakeRun(local, port, aws_port)
    with third.diagnosed():
        try:
            third.wait_ready()
            status, tokens = _login(third.http, phone, password)
            assert status == 200, tokens
            status, ledger, _ = third.http.get("/v1/me/ledger", token=tokens["access_token"])
            assert status == 200, ledger
            assert {e["entry_id"] for e in ledger["items"]} == {claim["claim_id"], late["claim_id"]}
        finally:
            assert third.interrupt() == 0

    # and --fresh (make reset, make run FRESH=1) starts over: new users, new signing key
    fresh = MakeRun(local, port, aws_port, "--fresh")
    with fresh.diagnosed():
        try:
            new_demo = fresh.wait_ready()
            assert "new" in fresh.banner_state()
            status, body = _login(fresh.http, phone, password)
            assert status == 401, body
            assert body["error"]["code"] == "invalid_credentials"
            tourist = new_demo["tourist"]
            status, tokens = _login(fresh.http, tourist["phone"], tourist["password"])
            assert status == 200, tokens
            status, body, _ = fresh.http.post("/v1/claims", {"code": ticket}, token=tokens["access_token"])
            assert status == 422, body
            assert body["error"]["code"] == "invalid_code"
        finally:
            assert fresh.interrupt() == 0


def test_given_public_url_when_make_run_starts_then_codes_and_the_banner_point_there(tmp_path):
    port, aws_port = _free_port(), _free_port()
    public = f"http://127.0.0.1:{port}"  # a LAN address in real use; loopback is what a test can reach
    run = MakeRun(tmp_path / "local", port, aws_port, env={"PUBLIC_URL": public})
    with run.diagnosed():
        try:
            demo = run.wait_ready()
            banner = "".join(run.lines)
            shown = re.search(rf"(HTTP://127\.0\.0\.1:{port}/Q/\S+)", banner)
            assert shown, "the banner shows no code URL on PUBLIC_URL"
            assert "█" in banner or "▀" in banner  # the code as a QR a phone can scan off the terminal
            assert f"Web app (H5)   {public}/" in banner
            assert f"Console        {public}/console/" in banner
            stay = re.search(r"1208,(\d{4}/\d\d/\d\d),2", banner)  # the banner's file: a stay in the window
            assert stay and 0 < (date.today() - datetime.strptime(stay.group(1), "%Y/%m/%d").date()).days < 30
            # the code the banner shows is one the run printed (same token), and it claims
            url = shown.group(1)
            assert url.endswith(demo["assets"]["hotel_room"]["codes"][0]["url"].rsplit("/Q/", 1)[1])
            status, page, _ = run.http.get(url[url.index("/Q/"):])
            assert status == 200, page
            tourist = demo["tourist"]
            status, tokens = _login(run.http, tourist["phone"], tourist["password"])
            assert status == 200, tokens
            spot = demo["partners"]["scenic_spot"]["login"]
            status, codes, _ = run.http.post(
                "/v1/partner/codes", {"asset_id": demo["assets"]["ticket_product"]["asset_id"], "count": 1},
                token=_login(run.http, spot["phone"], spot["password"])[1]["access_token"])
            assert status == 201, codes
            assert codes["codes"][0]["url"].startswith(f"HTTP://127.0.0.1:{port}/Q/")  # new codes carry it
            status, claim, _ = run.http.post("/v1/claims", {"code": codes["codes"][0]["url"]},
                                             token=tokens["access_token"])
            assert status == 201, claim
            if (ROOT / "web" / "dist" / "index.html").is_file():  # make test builds it first
                status, index, headers = run.http.get("/wallet")
                assert status == 200 and b'<div id="app">' in index
                assert "script-src 'self'" in headers["Content-Security-Policy"]
        finally:
            assert run.interrupt() == 0
