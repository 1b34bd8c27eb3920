"""`make load`: the load test (issue 21), on demand, not in `make test`.

1. starts `make run` (`python -m infra.local.run --fresh`) on a new temporary state directory and
   two free ports, with `TANHUI_FAULTS` passed through (by default
   `conflict:0.2,throttle:0.05,lost_reply:0.02`; `FAULTS=` for none);
2. runs Locust headless (`bench/load/locustfile.py`, from `bench/load/.venv`) against it: `USERS`
   tourists (100) plus 10 partners, the merchant's till and the operator, for `DURATION` (10m);
3. waits for the imports, queues and stream to settle, reads the whole state through the local
   AWS endpoint and holds it to the invariants (`bench/load/check.py`);
4. writes the report, `bench/load/reports/<UTC time>-<duration>-<users>u[-faults].md`, beside
   Locust's CSV files of the same name, and stops the stack.

Exit status 1 when an invariant fails (a 5xx included). `LOAD_KEEP=1` keeps the state directory.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "layers" / "common"), str(ROOT)]
HERE = Path(__file__).resolve().parent
REPORTS = HERE / "reports"
LOCUST = HERE / ".venv" / "bin" / "locust"
DEFAULT_FAULTS = "conflict:0.2,throttle:0.05,lost_reply:0.02"
READY = "Tanhui is running."
FIXED_USERS = 12  # 10 partners, the till, the operator (locustfile's fixed_count users)
SETTLE_SECONDS = float(os.environ.get("LOAD_SETTLE_SECONDS", "240"))

from bench.load.check import Result, check, queue_backlog, read_state  # noqa: E402 - after the path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Stack:
    """`make run` as its own process on a temporary state and free ports."""

    def __init__(self, local: Path, faults: str):
        self.port, self.aws_port = _free_port(), _free_port()
        env = os.environ | {
            "TANHUI_LOCAL_DIR": str(local),
            "PORT": str(self.port),
            "AWS_PORT": str(self.aws_port),
            "TANHUI_FAULTS": faults,
            "PYTHONPATH": f"{ROOT / 'layers' / 'common'}{os.pathsep}{ROOT}",
        }
        for name in ("PUBLIC_URL", "HOST", "FRESH", "AWS_ENDPOINT_URL", "TABLE_NAME"):
            env.pop(name, None)
        self.log_path = local.parent / "stack.log"
        self.log = open(self.log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "infra.local.run", "--fresh"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        self.demo_path = local / "demo.json"

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.log.write(line)
            if READY in line:
                self.log.flush()
                self.ready.set()
        self.ready.set()

    def wait_ready(self, timeout: float = 300) -> dict[str, Any]:
        if not self.ready.wait(timeout) or self.proc.poll() is not None:
            self.stop()
            raise SystemExit(f"make run did not come up; its output: {self.log_path}\n{self.tail()}")
        demo: dict[str, Any] = json.loads(self.demo_path.read_text(encoding="utf-8"))
        return demo

    def tail(self, lines: int = 30) -> str:
        self.log.flush()
        return "".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines(True)[-lines:])

    def injected(self) -> str:
        """What `make run` said it injected as it stopped (`faults injected: {...}`)."""
        for line in reversed(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()):
            if line.startswith("faults injected: "):
                return line.removeprefix("faults injected: ")
        return "not reported (the stack did not stop cleanly)"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=90)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.flush()


def _settle(endpoint: str, seen: dict[str, Any]) -> tuple[list[Result], float]:
    """Reads the state until the imports have ended and the totals have caught up with the
    ledgers (the stream aggregator runs behind), or SETTLE_SECONDS; returns the last check."""
    started = time.monotonic()
    while True:
        items, dead = read_state(endpoint)
        results = check(items, seen, dead)
        busy = [
            i
            for i in items
            if str(i.get("sk", "")).startswith("IMPORT#") and i.get("status") in ("processing",)
        ]
        settled = not busy and all(r.ok for r in results if r.name == "totals = Σ ledgers")
        if settled or time.monotonic() - started > SETTLE_SECONDS:
            return results, time.monotonic() - started
        time.sleep(3)


def _tree() -> str:
    """The code the stack ran: LOAD_TREE, or the commit (and whether the tree had changes)."""
    if os.environ.get("LOAD_TREE"):
        return os.environ["LOAD_TREE"]
    try:
        commit = subprocess.run(
            ["git", "log", "-1", "--format=%h %s"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"`{commit[:100]}`" + (" with uncommitted changes" if dirty else "")


def _stats(prefix: Path) -> list[dict[str, str]]:
    with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _ms(value: str) -> str:
    try:
        return f"{float(value):,.0f}"
    except ValueError:
        return value or "–"


def report(
    path: Path,
    *,
    started: datetime,
    ended: datetime,
    duration: str,
    users: int,
    faults: str,
    stats: list[dict[str, str]],
    seen: dict[str, Any],
    results: list[Result],
    settle: float,
    locust_status: int,
    injected: str = "",
    backlog: dict[str, dict[str, int]] | None = None,
) -> str:
    total = next((s for s in stats if s["Name"] == "Aggregated"), None)
    lines = [
        f"# Load run {started:%Y-%m-%d %H:%M} UTC: {users} tourists, 10 partners, a till and the operator "
        f"for {duration}",
        "",
        f"- Ran {started:%H:%M:%S}–{ended:%H:%M:%S} UTC ({(ended - started).total_seconds() / 60:.1f} min "
        f"with start-up and settling); Locust's run: {duration}, exit status {locust_status}.",
        (
            f"- Faults: `TANHUI_FAULTS={faults}`; injected by the stack: {injected}"
            if faults
            else "- Faults: none"
        ),
        f"- Tree: {_tree()}",
        f"- Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        "one `make run` process (moto, gateway, dispatcher) and Locust on the same host.",
        f"- Settled in {settle:.0f} s after the load (imports ended, totals caught up).",
        f"- Tourists registered: {seen.get('tourists', 0)}; imports: {len(seen.get('imports', {}))}.",
        "",
        "## Invariants",
        "",
        "| invariant | result | checked | note |",
        "|---|---|---|---|",
    ]
    for r in results:
        lines.append(f"| {r.name} | {'PASS' if r.ok else '**FAIL**'} | {r.checked} | {r.note} |")
    failed = [r for r in results if not r.ok]
    for r in failed:
        lines += ["", f"### {r.name}: what failed", ""] + [f"- {p}" for p in r.problems[:50]]
    busy = {name: q for name, q in (backlog or {}).items() if q["waiting"] or q["in_flight"]}
    if busy:
        lines += [
            "",
            "Messages still in the queues at the end (a delivery that failed is back after its "
            "queue's visibility timeout):",
            "",
            "| queue | waiting | in flight | visibility timeout |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {name} | {q['waiting']} | {q['in_flight']} | {q['visibility_timeout']} s |"
            for name, q in sorted(busy.items())
        ]
    lines += ["", "## Requests", ""]
    if total:
        lines.append(
            f"{int(total['Request Count']):,} requests, {int(total['Failure Count']):,} failures "
            f"(an unexpected status), {float(total['Requests/s']):.1f}/s; "
            f"p50 {_ms(total['50%'])} ms, p95 {_ms(total['95%'])} ms, p99 {_ms(total['99%'])} ms."
        )
        lines.append("")
    lines += [
        "| request | count | failures | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in sorted(stats, key=lambda s: -int(s["Request Count"])):
        if s["Name"] == "Aggregated":
            continue
        lines.append(
            f"| {s['Type']} {s['Name']} | {int(s['Request Count']):,} | {int(s['Failure Count']):,} | "
            f"{_ms(s['50%'])} | {_ms(s['95%'])} | {_ms(s['99%'])} | {_ms(s['Max Response Time'])} |"
        )
    answers: dict[str, int] = seen.get("answers", {})
    by_kind: dict[str, int] = {}
    for key, n in answers.items():
        _, _, status, code = key.split("\t")
        kind = f"{status} {code}".strip()
        by_kind[kind] = by_kind.get(kind, 0) + n
    lines += ["", "## Answers by kind", "", "| status and error code | count |", "|---|---|"]
    lines += [
        f"| {k} | {n:,} |" for k, n in sorted(by_kind.items(), key=lambda kv: (kv[0][:1] == "2", -kv[1]))
    ]
    imports: dict[str, Any] = seen.get("imports", {})
    if imports:
        per_type: dict[str, dict[str, int]] = {}
        for job in imports.values():
            row = per_type.setdefault(f"{job['type']} {job['status']}", {"files": 0})
            row["files"] += 1
            for k, v in (job.get("counts") or {}).items():
                row[k] = row.get(k, 0) + int(v)
            for k, v in (job.get("reasons") or {}).items():
                row[f"reason {k}"] = row.get(f"reason {k}", 0) + int(v)
        lines += [
            "",
            "## Partner files",
            "",
            "Every file the partners sent, by type and final status (the "
            "rows as the import counted them; a duplicate is a behaviour already credited, e.g. the "
            "same month's water saving in an earlier file):",
            "",
            "| type and final status | files | rows | credited | duplicate | pending | other (reasons) |",
            "|---|---|---|---|---|---|---|",
        ]
        for kind, row in sorted(per_type.items()):
            other = sum(
                v
                for k, v in row.items()
                if k not in ("files", "rows", "credited", "duplicate", "pending")
                and not k.startswith("reason ")
            )
            reasons = ", ".join(
                f"{k.removeprefix('reason ')} {v}" for k, v in sorted(row.items()) if k.startswith("reason ")
            )
            lines.append(
                f"| {kind} | {row['files']} | {row.get('rows', 0)} | {row.get('credited', 0)} | "
                f"{row.get('duplicate', 0)} | {row.get('pending', 0)} | {other}"
                + (f" ({reasons})" if reasons else "")
                + " |"
            )
    csvs = ", ".join(f"`{p.name}`" for p in sorted(path.parent.glob(f"{path.stem}_*.csv")))
    lines += ["", f"Locust's CSV files beside this report: {csvs}.", ""]
    text = "\n".join(lines)
    path.write_text(text, encoding="utf-8")
    return text


def main() -> int:
    duration = os.environ.get("DURATION") or "10m"
    users = int(os.environ.get("USERS") or 100)
    spawn = os.environ.get("SPAWN_RATE") or "5"
    faults = os.environ.get("FAULTS", DEFAULT_FAULTS)  # FAULTS= (empty): none
    if not LOCUST.exists():
        raise SystemExit(f"{LOCUST} is missing: `make load` installs bench/load/requirements.txt there")
    work = Path(tempfile.mkdtemp(prefix="tanhui-load-"))
    REPORTS.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    name = f"{started:%Y%m%dT%H%MZ}-{duration}-{users}u" + ("-faults" if faults else "")
    prefix, observations = REPORTS / name, work / "observations.json"
    print(f"make load: a fresh `make run` in {work} (faults: {faults or 'none'}) …", flush=True)
    stack = Stack(work / "local", faults)
    results: list[Result] = []
    try:
        demo = stack.wait_ready()
        print(
            f"make load: {users} tourists + {FIXED_USERS} staff for {duration} against {demo['api']}",
            flush=True,
        )
        env = os.environ | {"LOAD_DEMO": str(stack.demo_path), "LOAD_OBSERVATIONS": str(observations)}
        locust = subprocess.run(
            [
                str(LOCUST),
                "-f",
                str(HERE / "locustfile.py"),
                "--headless",
                "--host",
                demo["api"],
                "-u",
                str(users + FIXED_USERS),
                "-r",
                spawn,
                "-t",
                duration,
                "--stop-timeout",
                "60",
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=env,
            check=False,
        )
        seen = json.loads(observations.read_text(encoding="utf-8"))
        print("make load: settling, then checking the state …", flush=True)
        results, settle = _settle(demo["aws_endpoint"], seen)
        backlog = queue_backlog(demo["aws_endpoint"])
        stack.stop()  # it prints the faults it injected as it stops
        ended = datetime.now(UTC)
        text = report(
            prefix.with_suffix(".md"),
            started=started,
            ended=ended,
            duration=duration,
            users=users,
            faults=faults,
            stats=_stats(prefix),
            seen=seen,
            results=results,
            settle=settle,
            locust_status=locust.returncode,
            injected=stack.injected(),
            backlog=backlog,
        )
        print(text)
        print(f"make load: report {prefix.with_suffix('.md').relative_to(ROOT)}", flush=True)
    finally:
        stack.stop()
        if results and not all(r.ok for r in results):
            print(f"make load: the stack's last lines ({stack.log_path}):\n{stack.tail()}", file=sys.stderr)
        if results and all(r.ok for r in results) and os.environ.get("LOAD_KEEP") != "1":
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"make load: kept {work} (the state, stack.log, observations.json)", file=sys.stderr)
    return 0 if results and all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
