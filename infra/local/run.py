"""`make run`: the whole backend on one machine.

moto in server mode is the AWS endpoint; resources are created from template.yaml; a local
gateway serves the HTTP API with the real handlers; a dispatcher feeds SQS messages (S3
notifications included) to the functions; demo data is seeded. Ctrl-C stops everything.

The AWS state (and the demo logins) is kept in `.local/` (`TANHUI_LOCAL_DIR`) and reused by the next
run; `--fresh` (`FRESH=1`, `make reset`) starts over. One run per state: a second one (or a reset) on
a state in use refuses at once, naming the running one (infra/local/state_lock.py). `PORT`,
`AWS_PORT` and `HOST` move the servers; `PUBLIC_URL` (http://192.168.1.20:3000) is the address codes
carry and phones open: with it the servers listen on every interface (HOST=0.0.0.0) and PORT
defaults to its port.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import sys
import threading
import warnings
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from infra.local.cfn import ROOT
from infra.local.state_lock import StateLock

LOCAL_DIR = Path(os.environ.get("TANHUI_LOCAL_DIR") or ROOT / ".local")
STATE_FILE = "aws-state.pickle"
STREAM_POSITIONS_FILE = "stream-positions.json"  # where the dispatcher is in each table stream


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex((host, port)) != 0


def port_in_use(port: int, variable: str) -> str:
    """The message when a port is taken. Not by a `make run` on this state (its lock is checked
    first and names it): by another program, or a run on another state directory."""
    return (
        f"port {port} is in use by another program (or a `make run` on another state directory).\n"
        f"Set {variable} to use another port; a second stack beside a running one also needs its own\n"
        "state, e.g. TANHUI_LOCAL_DIR=/tmp/tanhui-2 PORT=3001 AWS_PORT=4567 make run"
    )


class Stack:
    """The running local stack (also used by the e2e tests)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        aws_port: int = 4566,
        port: int = 3000,
        stack_name: str = "tanhui-local",
        endpoint: str | None = None,
    ):
        self.host, self.aws_port, self.port, self.stack_name = host, aws_port, port, stack_name
        # moto stays on loopback when the gateway listens on every interface (PUBLIC_URL): a phone
        # reaches the web app and the API, never the AWS endpoint
        self.aws_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
        self.endpoint = endpoint or f"http://{self.aws_host}:{aws_port}"
        self.moto: Any = None
        self.keeper: Any = None
        self.server: Any = None
        self.dispatcher: Any = None

    @property
    def url(self) -> str:
        return f"http://{self.aws_host}:{self.port}"

    def start_aws(self, state_path: Path | None = None, fresh: bool = False) -> dict[str, Any] | None:
        """Starts moto; with `state_path`, on the state saved there unless `fresh` (returns what
        that run seeded, None if nothing) and keeping it there (`self.keeper.start` once seeded)."""
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        for k, v in {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}.items():
            os.environ.setdefault(k, v)
        if not _port_free(self.aws_host, self.aws_port):
            raise SystemExit(port_in_use(self.aws_port, "AWS_PORT"))
        from infra.local.moto_atomic import make_moto_writes_atomic
        from infra.local.moto_cognito import make_moto_cognito_honour_write_attributes

        make_moto_writes_atomic()
        make_moto_cognito_honour_write_attributes()
        app: Any = DomainDispatcherApplication(create_backend_app)
        restored = None
        if state_path is not None:
            from infra.local.persistence import StateKeeper

            app = self.keeper = StateKeeper(app, state_path)
            if fresh:
                state_path.unlink(missing_ok=True)
            restored = self.keeper.restore()  # before the first request
        self.moto = make_server(
            self.aws_host, self.aws_port, app, threaded=True, request_handler=MotoRequestHandler
        )
        threading.Thread(target=self.moto.serve_forever, daemon=True, name="moto").start()
        return restored

    def provision(self, parameters: dict[str, str] | None = None) -> None:
        from infra.local.provision import provision

        params = {"AutoConfirmUsers": "true"} | (parameters or {})
        self.aws = provision(self.endpoint, stack_name=self.stack_name, parameters=params)
        os.environ.update(self.aws.env)

    def start_api(self, stream_positions: Path | None = None) -> None:
        from werkzeug.serving import make_server

        from infra.local import cfn
        from infra.local.dispatcher import Dispatcher
        from infra.local.functions import LocalFunction
        from infra.local.gateway import JsonErrorRequestHandler, LocalGateway

        template = cfn.load_template()
        functions = {name: LocalFunction(spec) for name, spec in cfn.functions(template).items()}
        for function in functions.values():  # before any request or message can need one
            function.load()
        self.gateway = LocalGateway(template, functions)
        self.server = make_server(
            self.host, self.port, self.gateway, threaded=True, request_handler=JsonErrorRequestHandler
        )
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True, name="gateway").start()
        self.dispatcher = Dispatcher(self.aws, template, functions, positions=stream_positions)

    def publish_web(self, dist: Path | None = None) -> int:
        """Uploads the built web app to WebBucket and serves it at the API's origin, as the
        template's CloudFront distribution does; returns the number of files."""
        import boto3

        from infra.local.edge import WebOrigin
        from infra.web_publish import DIST, publish

        s3 = boto3.client("s3", endpoint_url=self.endpoint, region_name=self.aws.region)
        bucket = self.aws.env["WEB_BUCKET"]
        count = publish(s3, bucket, dist or DIST)
        self.gateway.serve_web(WebOrigin(s3, bucket))
        return count

    def stop(self) -> None:
        if self.dispatcher:
            self.dispatcher.stop()
        if self.server:
            self.server.shutdown()
        if self.moto:
            self.moto.shutdown()
        if self.keeper:
            self.keeper.stop()  # the last changes, once nothing can change any more


def _state_line(state_path: Path, reused: bool) -> str:
    if reused:
        from infra.local.persistence import saved_at

        return (
            f"reused {state_path} (saved {saved_at(state_path)}): same users, passwords, partners,\n"
            "                 codes and signing key.  `make reset` starts over."
        )
    return f"new, kept in {state_path} across Ctrl-C and restarts.  `make reset` starts over."


def _local(phone: str) -> str:
    """+8613800000001 as a front desk types it: 138 0000 0001."""
    digits = phone.removeprefix("+86")
    return f"{digits[:3]} {digits[3:7]} {digits[7:]}"


def public_url(env: Any) -> str:
    """PUBLIC_URL, the address printed codes carry and phones open (http://192.168.1.20:3000):
    without a trailing slash; '' when unset. Refused unless it is an http(s) origin."""
    value = (env.get("PUBLIC_URL") or "").strip().rstrip("/")
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or parts.path or parts.query:
        raise SystemExit(f"PUBLIC_URL={value!r}: give an origin such as http://192.168.1.20:3000")
    return value


def _publish_web(stack: Stack) -> str:
    from infra.web_publish import DIST

    if not (DIST / "index.html").is_file():
        return "not built: `make run` builds it (web/dist); the API runs without it"
    return f"{stack.publish_web()} files of web/dist, served at the API's origin"


def faults_line(rates: dict[str, float]) -> str:
    """The banner's line on the faults injected (TANHUI_FAULTS, infra/local/faults.py)."""
    if not rates:
        return "none (TANHUI_FAULTS=conflict:0.2,throttle:0.05,lost_reply:0.02 make run injects some)"
    shares = ", ".join(f"{kind} {rate:.0%}" for kind, rate in rates.items())
    return f"{shares} of the calls that can take them (TANHUI_FAULTS)"


def _faults_from_env() -> dict[str, float]:
    """TANHUI_FAULTS, read before anything starts: a spec that does not parse stops `make run`."""
    from infra.local import faults

    try:
        return faults.parse(os.environ.get("TANHUI_FAULTS", ""))
    except faults.FaultSpecError as err:
        raise SystemExit(str(err)) from None


def _guide(stack: Stack, demo: dict[str, Any], state: str, public: str, web: str,
           faults: str = "none") -> str:
    t = demo["tourist"]
    from tanhui.codes import render

    printed = demo["assets"]["hotel_room"]["codes"][0]["url"]
    room = public.upper() + printed[printed.index("/Q/"):]  # where this run's codes point
    hotel = demo["partners"]["hotel"]["partner_id"]
    qr = render.terminal(room)
    # a stay a week ago: inside the files' 90-day window whenever the banner is read
    arrived = f"{datetime.now(ZoneInfo('Asia/Shanghai')).date() - timedelta(days=7):%Y/%m/%d}"
    return f"""{qr}
  ↑ the demo hotel room's code: scan it with a phone on this network (WeChat, Alipay or the
    camera) to register and claim its coins.  {room}
    (PUBLIC_URL=http://<this machine's LAN address>:{stack.port} make run  makes codes point there)

Tanhui is running.
  Web app (H5)   {public}/   ({web})
  Console        {public}/console/   (partner staff and the operator: the …_PHONE / …_PASSWORD of demo.env)
  API            {stack.url}   (OpenAPI: {stack.url}/openapi.json, Swagger UI: {stack.url}/docs)
  AWS endpoint   {stack.endpoint}   (moto: DynamoDB, S3, SQS, Cognito, Secrets Manager)
  Demo logins    {LOCAL_DIR / "demo.json"}   (with demo assets and their codes)
                 {LOCAL_DIR / "demo.env"}    (the same as shell variables: `. {LOCAL_DIR / "demo.env"}`)
  Code images    {LOCAL_DIR / "codes"}/*.png|svg
  State          {state}
  Faults         {faults}

Try:
  curl -s -X POST {stack.url}/v1/auth/login -H 'content-type: application/json' \\
       -d '{{"phone": "{t["phone"]}", "password": "{t["password"]}"}}'

  A partner file (the demo hotel's stays, GBK as Excel saves it; docs/partners.md "Partner files"
  shows the console's upload and the presigned one a partner's own app uses):
  printf '手机号,房号,入住日期,晚数\\r\\n{_local(t["phone"])},1208,{arrived},2\\r\\n' | iconv -t GBK | \\
    curl -s -X PUT -H 'content-type: text/csv' --data-binary @- \\
    {stack.endpoint}/{demo["upload_bucket"]}/partners/{hotel}/hotel_stays/stays.csv

Ctrl-C stops everything.
"""


def wait_until(stopped: threading.Event, tick: float = 0.5) -> None:
    """Until Ctrl-C or SIGTERM set `stopped`. Not one untimed `stopped.wait()`: Python runs a
    signal's handler in the main thread only, and a signal the kernel gave to another thread (or
    that came just before the main thread blocked) does not wake a main thread blocked on a lock,
    so that wait never ended and `make run` ignored its Ctrl-C. Waking every `tick` lets the
    handler run."""
    while not stopped.wait(tick):
        pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m infra.local.run", description=__doc__)
    parser.add_argument(
        "--fresh", action="store_true", help="start over: new users, partners and keys (FRESH=1)"
    )
    args = parser.parse_args(argv)
    fresh = args.fresh or os.environ.get("FRESH", "").lower() in ("1", "true", "yes")
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    public = public_url(os.environ)
    host = os.environ.get("HOST") or ("0.0.0.0" if public else "127.0.0.1")  # noqa: S104 - a phone must reach it
    stack = Stack(
        host=host,
        aws_port=int(os.environ.get("AWS_PORT", "4566")),
        port=int(os.environ.get("PORT") or (urlsplit(public).port if public else None) or 3000),
    )
    _faults_from_env()
    lock = StateLock(LOCAL_DIR)  # before anything reads, deletes or writes the state: one run per state
    lock.acquire(port=stack.port, aws_port=stack.aws_port, host=host)
    try:
        _run(stack, lock, fresh, public)
    finally:
        lock.release()


def _run(stack: Stack, lock: StateLock, fresh: bool, public: str) -> None:
    if not _port_free(stack.host, stack.port):
        raise SystemExit(port_in_use(stack.port, "PORT"))
    stopped = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    state_path = LOCAL_DIR / STATE_FILE
    from infra.local.persistence import StateError, write_atomically

    try:
        seeded = stack.start_aws(state_path, fresh)
    except StateError as err:
        raise SystemExit(f"{err}: `make reset` starts over (it deletes {state_path}).") from err
    state = _state_line(state_path, reused=seeded is not None)
    try:
        stack.provision({"CodeBaseUrl": public.upper()} if public else None)
        positions = LOCAL_DIR / STREAM_POSITIONS_FILE
        if seeded is None:  # a new state: its streams start anew
            positions.unlink(missing_ok=True)
        stack.start_api(positions)
        lock.update(port=stack.port, aws_port=stack.aws_port, api=stack.url, aws_endpoint=stack.endpoint,
                    public_url=public or stack.url)
        web = _publish_web(stack)
        if seeded is None:
            from infra.local.seed import seed

            seeded = seed()
        demo = {"api": stack.url, "aws_endpoint": stack.endpoint,
                "upload_bucket": stack.aws.env["UPLOAD_BUCKET"]} | seeded
        write_atomically(
            LOCAL_DIR / "demo.json", json.dumps(demo, indent=2, ensure_ascii=False).encode()
        )
        from infra.local.seed import shell_env, write_images

        write_atomically(LOCAL_DIR / "demo.env", shell_env(demo).encode())
        write_images(demo["assets"], LOCAL_DIR / "codes")
        stack.keeper.start(seeded)
        from infra.local import faults

        # on from here: the state and its demo data are made without them, what runs on them takes them
        rates = faults.configure()
        stack.dispatcher.start()
        print(_guide(stack, demo, state, public or stack.url, web, faults_line(rates)), flush=True)
        wait_until(stopped)
    finally:
        print("stopping…", file=sys.stderr)
        stack.stop()
        if os.environ.get("TANHUI_FAULTS"):
            from infra.local import faults

            injected = json.dumps(faults.injected(), sort_keys=True)
            print(f"faults injected: {injected}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "layers" / "common"))
    main()
