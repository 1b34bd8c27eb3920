"""The e2e suite against a URL (`TANHUI_API=… make e2e-remote`, tests/e2e/remote.py) runs here
against a `make run` of its own through that same switch, so the remote subset cannot rot: every
test not marked `local_only` passes over HTTP alone, none is skipped (a test reaching into moto
unmarked would be), and what the run made is undone through the API."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid

import pytest

from infra.local.cfn import ROOT
from tests.conftest import _free_port
from tests.e2e.remote import login
from tests.e2e.test_restart_keeps_state import MakeRun

pytestmark = pytest.mark.local_only("starts a `make run` of its own")

# the flows (foundation, codes and claims, spending, buyback, files, export), JWT tricks, the matrix,
# the attack suite's hostile bodies and double slash
REMOTE_TESTS_AT_LEAST = 160
SUITE_TIMEOUT = 600


def remote_suite(api: str, operator: dict[str, str], regulator: dict[str, str],
                 run_id: str) -> subprocess.CompletedProcess[str]:
    """`make e2e-remote`'s pytest, in its own process, with only the switch's variables set."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "TABLE_", "TANHUI_", "PYTEST_", "POWERTOOLS_"))}
    env |= {"TANHUI_API": api, "TANHUI_OPERATOR_USER": operator["phone"],
            "TANHUI_OPERATOR_PASSWORD": operator["password"], "TANHUI_E2E_RUN_ID": run_id,
            "TANHUI_REGULATOR_USER": regulator["phone"], "TANHUI_REGULATOR_PASSWORD": regulator["password"],
            "TANHUI_PEER_TOKEN_URL": f"{api}/oauth2/token",  # make run: its gateway is the pool domain
            "PYTHONPATH": f"{ROOT / 'layers' / 'common'}{os.pathsep}{ROOT}"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "tests/e2e", "-m", "not local_only", "-n", "0", "-q",
         "-p", "no:cacheprovider"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=SUITE_TIMEOUT, check=False)


def test_given_make_run_when_the_e2e_suite_runs_against_its_url_then_the_remote_subset_passes_and_cleans_up(
    tmp_path,
):
    stack = MakeRun(tmp_path / "local", _free_port(), _free_port())
    run_id = f"rot-{uuid.uuid4().hex[:6]}"
    with stack.diagnosed():
        try:
            demo = stack.wait_ready()
            result = remote_suite(demo["api"], demo["admin"], demo["regulator"], run_id)
            out = result.stdout + result.stderr
            assert result.returncode == 0, out[-6000:]
            passed = re.search(r"(\d+) passed", out)
            assert passed and int(passed.group(1)) >= REMOTE_TESTS_AT_LEAST, out[-3000:]
            assert not re.search(r"\d+ (skipped|error)", out), out[-3000:]  # none skipped: all over HTTP
            made = rf"remote run {run_id}: made and undone (\d+) tourists .*?(\d+) partners"
            summary = re.search(made, out)
            assert summary and int(summary.group(1)) > 0 and int(summary.group(2)) > 0, out[-3000:]

            # the partners it made carry the run's id, so an operator tells them apart
            operator = login(stack.http, demo["admin"]["phone"], demo["admin"]["password"])
            status, partners, _ = stack.http.get("/v1/admin/partners?limit=100", token=operator.access_token)
            assert status == 200, partners
            labelled = [p for p in partners["items"] if p["name"].startswith(run_id)]
            assert len(labelled) == int(summary.group(2)), [p["name"] for p in partners["items"]]
        finally:
            assert stack.interrupt() == 0


class _Stack:
    """A stack's answers as a stub: the operator logs in; registration says `registered`."""

    def __init__(self, registered: dict):
        self.registered = registered

    def get(self, path: str, **_: object) -> tuple[int, dict, dict]:
        return 200, {}, {}

    def post(self, path: str, body: dict, **_: object) -> tuple[int, dict, dict]:
        if path == "/v1/auth/login":
            import jwt

            return 200, {"access_token": jwt.encode({"sub": "op"}, "k" * 32), "refresh_token": "r"}, {}
        return 201, self.registered, {}


def test_given_a_stack_asking_new_tourists_for_an_sms_code_then_the_remote_run_stops_saying_why(monkeypatch):
    from tests.e2e import remote

    monkeypatch.setenv("TANHUI_OPERATOR_USER", "+8613900000001")
    monkeypatch.setenv("TANHUI_OPERATOR_PASSWORD", "x")
    asks = remote.preflight(_Stack({"user_id": "u", "confirmation_required": True, "tokens": None}))
    assert asks is not None and "AutoConfirmUsers=true" in asks
    assert remote.preflight(_Stack({"user_id": "u", "tokens": {"access_token": "t"}})) is None
