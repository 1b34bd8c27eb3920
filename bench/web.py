"""The tourist's H5, measured on the stack `make run` starts (moto + gateway + seeded demo + web/dist
published), on free ports. Builds nothing: run `cd web && npm run build` first.

1. Lighthouse 12 (npx lighthouse@12.2.3, the system Chromium, mobile form factor, its default
   simulated slow-4G and 4x CPU throttling), performance and accessibility, the run of median
   performance of BENCH_WEB_RUNS (3):
   - the code page of a demo ticket code as a new tourist opens it (not logged in);
   - the wallet logged in: a Chromium profile is logged in through the login page by Playwright,
     its HTTP caches are then deleted (cold load; localStorage and the refresh cookie stay), and
     Lighthouse runs on that profile with --disable-storage-reset. If the run still lands on the
     login page, the figure is of the logged-out shell, and the output says so.
2. JavaScript + CSS the code page loads (the body of every script and stylesheet response, logged
   out and logged in, the larger), gzipped at level 6 (the local gateway sends them uncompressed;
   CloudFront compresses).
3. API requests of a logged-in claim: from the code page's load to the claim's answer.

4. The console (/console/), as the demo hotel's front desk, Lighthouse 12 with its desktop preset
   (--preset=desktop: desktop screen, its lighter simulated throttling), logged in as the wallet is
   (a Playwright-logged-in profile, HTTP caches cleared), median of BENCH_WEB_RUNS:
   - the import page of a file the hotel sent (a GBK desk file: one stay credited, one pending),
     its report, counts, reasons and rejects link;
   - the totals page over a year (?from=<a year ago>&to=<today>) after a year of totals for the
     hotel: every day of the last 365 with credits on two rooms, written as the stream aggregator
     writes them (its own `totals.contribute` items and `update_kwargs` updates, for synthetic
     credits: no claims replayed, the fastest honest way to a year of figures); and the page's
     /v1 requests counted by Playwright: one totals call per chart (group_by day, behaviour,
     asset), besides the shell's own (GET /v1/me, /v1/partner/profile).
   BENCH_WEB_ONLY=h5 or console measures one of the two (default both).

Targets (exit 1 when one is missed): performance >= 90, accessibility >= 95, JS+CSS <= 150 KB gz,
1 API request; the console's pages: performance >= 90, accessibility >= 95, 3 totals requests.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "layers" / "common"), str(ROOT)]
DIST = Path(os.environ.get("BENCH_WEB_DIST") or ROOT / "web" / "dist")  # a copy of a build, or the build
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LIGHTHOUSE = "lighthouse@12.2.3"
LH_CHROME_FLAGS = "--headless --no-sandbox --disable-gpu --disable-background-networking"
PW_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
RUNS = int(os.environ.get("BENCH_WEB_RUNS", "3"))  # Lighthouse runs per page (the median is kept)
ONLY = os.environ.get("BENCH_WEB_ONLY", "")  # "h5" or "console": measure one part only
TARGETS = {"performance": 90, "accessibility": 95, "js_css_kb_gz": 150, "claim_requests": 1,
           "totals_requests": 3}
DESK = {"viewport": {"width": 1350, "height": 940}, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_stack() -> tuple[Any, dict[str, Any]]:
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Bench")
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "tanhui")
    import logging
    import warnings

    warnings.filterwarnings("ignore", message="No application metrics to publish")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    from infra.local.run import Stack
    from infra.local.seed import seed

    stack = Stack(aws_port=_free_port(), port=_free_port(), stack_name="bench-web")
    stack.start_aws()
    stack.provision()
    os.environ["POWERTOOLS_LOG_LEVEL"] = "ERROR"  # the template's level is for Lambda's logs
    stack.start_api()
    demo = seed()
    stack.publish_web(DIST)
    return stack, demo


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# ------------------------------------------------------------------------------- Lighthouse
def lighthouse_median(
    url: str, out: Path, profile: Path | None = None, desktop: bool = False
) -> dict[str, Any]:
    """The run of median performance score of RUNS (Lighthouse's own advice: scores vary by run)."""
    runs = [lighthouse(url, out.with_suffix(f".{n}.json"), profile, desktop) for n in range(RUNS)]
    runs.sort(key=lambda r: r["performance"])
    chosen = runs[len(runs) // 2]
    chosen["runs"] = [r["performance"] for r in runs]
    return chosen


def lighthouse(url: str, out: Path, profile: Path | None = None, desktop: bool = False) -> dict[str, Any]:
    if profile:
        clear_caches(profile)
    flags = LH_CHROME_FLAGS + (f" --user-data-dir={profile}" if profile else "")
    cmd = ["npx", "--yes", LIGHTHOUSE, url, "--quiet", "--output=json", f"--output-path={out}",
           "--only-categories=performance,accessibility",
           "--preset=desktop" if desktop else "--form-factor=mobile", f"--chrome-flags={flags}"]
    if profile:
        cmd.append("--disable-storage-reset")
    env = os.environ | {"CHROME_PATH": CHROMIUM}
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"lighthouse failed ({done.returncode}) on {url}:\n{done.stderr[-3000:]}")
    report = json.loads(out.read_text())
    scores = {name: round((cat["score"] or 0) * 100) for name, cat in report["categories"].items()}
    audits = report["audits"]
    return {
        "url": url, "final": report.get("finalDisplayedUrl") or report.get("finalUrl"),
        "performance": scores["performance"], "accessibility": scores["accessibility"],
        "fcp_ms": round(audits["first-contentful-paint"]["numericValue"]),
        "lcp_ms": round(audits["largest-contentful-paint"]["numericValue"]),
        "tbt_ms": round(audits["total-blocking-time"]["numericValue"]),
        "failed_a11y": [a for a, v in audits.items()
                        if v.get("score") == 0 and a in _a11y_audits(report)],
    }


def _a11y_audits(report: dict[str, Any]) -> set[str]:
    return {ref["id"] for ref in report["categories"]["accessibility"]["auditRefs"] if ref.get("weight")}


# ------------------------------------------------------------------------------- Playwright
def log_in(page: Any, base: str, who: dict[str, Any], then: str) -> None:
    digits = who["phone"].removeprefix("+86")
    page.goto(f"{base}/login?next={quote(then)}")
    page.locator('input[data-test="phone"], [data-test="phone"] input').first.fill(
        f"{digits[:3]} {digits[3:7]} {digits[7:]}")
    page.locator('input[data-test="password"], [data-test="password"] input').first.fill(who["password"])
    page.locator('[data-test="submit"]').click()
    page.wait_for_url(lambda url: path_of(url) == then)


def code_page_bytes(
    browser: Any, base: str, code: str, who: dict[str, Any] | None
) -> tuple[int, int, list[str]]:
    """(raw bytes, gzip bytes) of the scripts and stylesheets the code page loads, and their paths."""
    ctx = browser.new_context(**PHONE)
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    if who:
        log_in(page, base, who, "/")
    loaded: dict[str, Any] = {}
    page.on("response", lambda r: loaded.setdefault(urlsplit(r.url).path, r)
            if r.request.resource_type in ("script", "stylesheet") else None)
    page.goto(base + code)
    page.wait_for_load_state("networkidle")
    bodies = {path: response.body() for path, response in loaded.items()}
    ctx.close()
    raw = sum(len(b) for b in bodies.values())
    gz = sum(len(gzip.compress(b, compresslevel=6)) for b in bodies.values())
    return raw, gz, sorted(bodies)


def claim_requests(browser: Any, base: str, code: str, who: dict[str, Any]) -> list[str]:
    ctx = browser.new_context(**PHONE)
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    log_in(page, base, who, "/")
    page.goto("about:blank")  # nothing of the home page is still on its way
    sent: list[str] = []
    page.on("request", lambda r: sent.append(f"{r.method} {urlsplit(r.url).path}")
            if urlsplit(r.url).path.startswith("/v1/") else None)
    page.goto(base + code)
    page.wait_for_load_state("networkidle")
    page.locator('[data-test="claim"]').click()
    page.locator('[data-test="claim-result"]').wait_for()
    page.wait_for_load_state("networkidle")
    ctx.close()
    return sent


def wallet_timing(browser: Any, base: str, who: dict[str, Any]) -> dict[str, int]:
    """Logged in, unthrottled: navigation to the balance on screen, and the page's LCP."""
    ctx = browser.new_context(**PHONE)
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    log_in(page, base, who, "/")
    page.goto("about:blank")
    start = time.perf_counter()
    page.goto(base + "/wallet")
    page.locator('[data-test="balance"]').wait_for()
    shown = (time.perf_counter() - start) * 1000
    lcp = page.evaluate("""() => new Promise(done => new PerformanceObserver(list => {
        const e = list.getEntries(); done(e[e.length - 1].startTime) }).observe(
        {type: 'largest-contentful-paint', buffered: true}))""")
    ctx.close()
    return {"balance_shown_ms": round(shown), "lcp_ms": round(lcp)}


def logged_in_profile(pw: Any, base: str, who: dict[str, Any], profile: Path) -> None:
    """A Chromium profile with the tourist's session (localStorage + refresh cookie)."""
    ctx = pw.chromium.launch_persistent_context(str(profile), executable_path=CHROMIUM, headless=True,
                                                args=PW_ARGS, **PHONE)
    page = ctx.new_page()
    log_in(page, base, who, "/wallet")
    page.locator('[data-test="balance"]').wait_for()
    ctx.close()


def clear_caches(profile: Path) -> None:
    """A profile's HTTP and code caches go (a cold load); its localStorage and cookies stay."""
    for cache in ("Cache", "Code Cache", "GPUCache", "Service Worker"):
        for found in list(profile.rglob(cache)):
            shutil.rmtree(found, ignore_errors=True)


# -------------------------------------------------------------------------------- the console
def seed_year_of_totals(partner_id: str, asset_ids: list[str], days: int = 365) -> int:
    """A year of the partner's totals as the stream aggregator keeps them: for every local day, a
    few credits of a hotel night on each room, through the aggregator's own contributor
    (`totals.contribute`: the behaviour, partner and asset items, the partner's gsi1 keys) and
    its own update (`update_kwargs`, ADD). Returns the items' updates written."""
    from datetime import date, timedelta

    from tanhui.aws import client
    from tanhui.models.reductions import TOTALS_SHARDS, UserStats
    from tanhui.reductions import totals
    from tanhui.reductions.adds import merged, update_kwargs
    from tanhui.reductions.deltas import Delta

    dynamodb, today, written = client("dynamodb"), date.today(), 0
    for back in range(days):
        day = (today - timedelta(days=back)).isoformat()
        deltas = [
            Delta(event_id=f"bench-{day}-{asset}-{n}", record_pk=f"BENCH#{day}#{asset}#{n}", gco2e=1500,
                  coins=2, count=1, day=day, behaviour="hotel_low_carbon_night", channel="scan",
                  partner_id=partner_id, asset_id=asset)
            for i, asset in enumerate(asset_ids) for n in range(1 + (back * 7 + i * 3) % 5)
        ]
        adds = merged(a for d in deltas for a in totals.contribute(d, shard=back % TOTALS_SHARDS))
        for add in adds.values():
            dynamodb.update_item(**update_kwargs(UserStats.Meta.table_name, add))
            written += 1
    return written


def hotel_import(stack: Any, demo: dict[str, Any]) -> str:
    """The demo hotel sends a GBK desk file (one stay of the demo tourist, one of a phone nobody
    has registered) through the API and its presigned form; the queue drained: its import id."""
    from datetime import date, timedelta

    import urllib3

    from tests.e2e.conftest import Http

    http, login = Http(stack.url), demo["partners"]["hotel"]["login"]
    status, body, _ = http.request("POST", "/v1/auth/login",
                                   {"phone": login["phone"], "password": login["password"]})
    assert status == 200, body
    token = body["access_token"]
    day = date.today() - timedelta(days=3)
    tourist = demo["tourist"]["phone"].removeprefix("+86")
    data = ("丹霞绿色酒店入住明细\r\n序号,手机号,房号,入住日期,晚数,备注\r\n"
            f"1,{tourist},1208,{day:%Y/%m/%d},1,\r\n2,13700000000,1208,{day:%Y/%m/%d},2,加床\r\n").encode("gbk")
    status, created, _ = http.request(
        "POST", "/v1/partner/imports", {"type": "hotel_stays", "filename": "入住.csv"}, token=token)
    assert status == 201, created
    fields = dict(created["upload"]["fields"]) | {"file": ("入住.csv", data, "text/csv")}
    assert urllib3.request("POST", created["upload"]["url"], fields=fields).status in (200, 201, 204)
    stack.dispatcher.drain()
    return str(created["import_id"])


def console_log_in(page: Any, base: str, who: dict[str, Any], then: str, shown: str) -> None:
    """Signs in at /console/login?next=<then> as a clerk does; waits for `shown` on the page."""
    page.goto(f"{base}/console/login?next={quote(then)}")
    page.locator('input[data-test="phone"], [data-test="phone"] input').first.fill(who["phone"])
    page.locator('input[data-test="password"], [data-test="password"] input').first.fill(who["password"])
    page.locator('[data-test="submit"]').click()
    page.locator(shown).first.wait_for()


def console_profile(pw: Any, base: str, who: dict[str, Any], profile: Path) -> None:
    """A Chromium profile with the hotel clerk's console session."""
    ctx = pw.chromium.launch_persistent_context(str(profile), executable_path=CHROMIUM, headless=True,
                                                args=PW_ARGS, **DESK)
    page = ctx.new_page()
    console_log_in(page, base, who, "/imports", '[data-test="imports"]')
    ctx.close()


def totals_requests(browser: Any, base: str, who: dict[str, Any], path: str) -> dict[str, Any]:
    """The /v1 requests of the totals page over a year, from its load to its three charts drawn,
    and how long that took (logged in, unthrottled)."""
    ctx = browser.new_context(**DESK)
    ctx.set_default_timeout(30_000)
    page = ctx.new_page()
    console_log_in(page, base, who, "/imports", '[data-test="imports"]')
    page.goto("about:blank")
    sent: list[str] = []
    page.on("request", lambda r: sent.append(f"{r.method} {path_of(r.url)}")
            if urlsplit(r.url).path.startswith("/v1/") else None)
    start = time.perf_counter()
    page.goto(base + path)
    page.locator('[data-test="chart-asset"] canvas').wait_for()
    page.locator('[data-test="table"] tbody tr').first.wait_for()
    shown = (time.perf_counter() - start) * 1000
    page.wait_for_load_state("networkidle")
    rows = page.locator('[data-test="table"] tbody tr').count()
    ctx.close()
    return {"sent": sent, "shown_ms": round(shown), "table_rows": rows}


def measure_console(pw: Any, stack: Any, demo: dict[str, Any], work: Path) -> dict[str, Any]:
    from datetime import date, timedelta

    base = stack.url
    hotel = demo["partners"]["hotel"]
    who = hotel["login"]
    room = demo["assets"]["hotel_room"]["asset_id"]
    out: dict[str, Any] = {}
    started = time.perf_counter()
    out["seeded_items"] = seed_year_of_totals(hotel["partner_id"], [room, "BENCH-1209"])
    out["seed_s"] = round(time.perf_counter() - started, 1)
    import_id = attempt(hotel_import, stack, demo)
    today = date.today()
    year = f"/console/totals?from={today - timedelta(days=364)}&to={today}"
    browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=PW_ARGS)
    out["totals_requests"] = attempt(totals_requests, browser, base, who, year)
    browser.close()
    profile = attempt(console_profile, pw, base, who, work / "console-profile")
    where = None if isinstance(profile, dict) else work / "console-profile"
    page = f"{base}/console/imports/{import_id}"
    out["import"] = (import_id if isinstance(import_id, dict) else
                     attempt(lighthouse_median, page, work / "import.json", where, True))
    out["totals"] = attempt(lighthouse_median, base + year, work / "totals.json", where, True)
    return out


# ------------------------------------------------------------------------------------- main
def main() -> int:
    gaps = [what for what, ok in (
        (f"Chromium at {CHROMIUM}", Path(CHROMIUM).exists()),
        ("web/dist/index.html (cd web && npm run build)", (DIST / "index.html").exists()),
        ("npx (Node 20)", shutil.which("npx") is not None),
    ) if not ok]
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        gaps.append("the playwright module (pip install -r requirements-dev.txt)")
    if gaps:
        print("bench/web.py needs: " + "; ".join(gaps), file=sys.stderr)
        return 2

    out = sys.stdout
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the handlers' log and metric lines
    try:
        stack, demo = start_stack()
        results = measure(stack, demo)
    finally:
        sys.stdout.close()
        sys.stdout = out
    return report(results)


def attempt(what: Any, *args: Any) -> Any:
    """A measure, or the reason it could not be taken (a page that does not do what it should)."""
    try:
        return what(*args)
    except Exception as exc:  # noqa: BLE001 - reported, and counted as a missed target
        return {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0]}"}


def measure(stack: Any, demo: dict[str, Any]) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    base = stack.url
    ticket_codes = [path_of(c["url"]) for c in demo["assets"]["ticket_product"]["codes"]]
    room = path_of(demo["assets"]["hotel_room"]["codes"][0]["url"])
    tourist = demo["tourist"]
    results: dict[str, Any] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
            work = Path(tmp)
            if ONLY != "console":
                results["code"] = attempt(lighthouse_median, base + ticket_codes[0], work / "code.json")
            with sync_playwright() as pw:
                if ONLY != "console":
                    browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=PW_ARGS)
                    results["bytes"] = {
                        "logged out": attempt(code_page_bytes, browser, base, ticket_codes[0], None),
                        "logged in": attempt(code_page_bytes, browser, base, room, tourist),
                    }
                    results["claim_requests"] = attempt(claim_requests, browser, base, ticket_codes[1],
                                                        tourist)
                    results["wallet_timing"] = attempt(wallet_timing, browser, base, tourist)
                    browser.close()
                    profile = attempt(logged_in_profile, pw, base, tourist, work / "profile")
                if ONLY != "h5":
                    results["console"] = measure_console(pw, stack, demo, work)
            if ONLY != "console":
                results["wallet"] = attempt(lighthouse_median, base + "/wallet", work / "wallet.json",
                                            None if isinstance(profile, dict) else work / "profile")
    finally:
        stack.stop()
    return results


def report(r: dict[str, Any]) -> int:
    missed: list[str] = []
    if "console" in r:
        report_console(r["console"], missed)
    if "code" in r:
        report_h5(r, missed)
    print("targets: performance >= 90, accessibility >= 95"
          + (", JS+CSS <= 150 KB gz, 1 request" if "code" in r else "")
          + (", 3 totals requests over a year" if "console" in r else "") + ": "
          + ("all met" if not missed else "MISSED: " + "; ".join(missed)))
    return 1 if missed else 0


def report_console(c: dict[str, Any], missed: list[str]) -> None:
    say = print
    say("Console bench (bench/web.py): Lighthouse 12.2.3, desktop preset, system Chromium, the demo "
        "hotel's clerk logged in (a Playwright-logged-in profile, HTTP caches cleared)")
    say(f"  a year of the hotel's totals seeded: {c['seeded_items']} totals items' updates "
        f"in {c['seed_s']} s "
        "(the aggregator's own items for synthetic credits)")
    pages = (("import", "import page (a GBK desk file's report)"), ("totals", "totals page over a year"))
    for name, label in pages:
        lh = c[name]
        if "error" in lh:
            say(f"  {label}: Lighthouse could not run: {lh['error']}")
            missed.append(f"console {name}: no Lighthouse figures")
            continue
        out = "/console/login" in (lh["final"] or "")
        landed = f" (landed on {lh['final']}: logged out!)" if out else ""
        say(f"  {label}{landed}: performance {lh['performance']}, accessibility {lh['accessibility']} "
            f"(median of {len(lh['runs'])} runs: performance {lh['runs']}; in the median run FCP "
            f"{lh['fcp_ms']} ms, LCP {lh['lcp_ms']} ms, TBT {lh['tbt_ms']} ms)")
        if lh["failed_a11y"]:
            say(f"    failed accessibility audits: {', '.join(lh['failed_a11y'])}")
        if landed:
            missed.append(f"console {name}: measured logged out")
        if lh["performance"] < TARGETS["performance"]:
            missed.append(f"console {name} performance {lh['performance']} < {TARGETS['performance']}")
        if lh["accessibility"] < TARGETS["accessibility"]:
            missed.append(f"console {name} accessibility {lh['accessibility']} < {TARGETS['accessibility']}")
    t = c["totals_requests"]
    if "error" in t:
        say(f"  totals page over a year, Playwright: could not measure: {t['error']}")
        missed.append("totals requests not measured")
        return
    charts = [s for s in t["sent"] if "/totals?" in s]
    say(f"  totals page over a year, Playwright, unthrottled: charts and table on screen in "
        f"{t['shown_ms']} ms, "
        f"{t['table_rows']} rows on the table's first page; /v1 requests {len(t['sent'])}: "
        f"{len(charts)} totals "
        f"({', '.join(s.split('group_by=')[-1].split('&')[0] for s in charts)}) + the shell's "
        f"({', '.join(s for s in t['sent'] if s not in charts)})")
    if len(charts) != TARGETS["totals_requests"]:
        missed.append(f"the totals page made {len(charts)} totals requests, not {TARGETS['totals_requests']}")


def report_h5(r: dict[str, Any], missed: list[str]) -> None:
    say = print
    say("H5 bench (bench/web.py): Lighthouse 12.2.3, mobile, simulated throttling, system Chromium")
    for name in ("code", "wallet"):
        lh = r[name]
        if "error" in lh:
            say(f"  {name}: Lighthouse could not run: {lh['error']}")
            missed.append(f"{name}: no Lighthouse figures")
            continue
        if name == "code":
            label = "code page, not logged in"
        elif "/wallet" in (lh["final"] or ""):
            label = "wallet, logged in (a profile logged in by Playwright, its HTTP caches cleared)"
        else:
            label = f"wallet: the logged-out shell (Lighthouse landed on {lh['final']})"
        say(f"  {label}: performance {lh['performance']}, accessibility {lh['accessibility']} "
            f"(median of {len(lh['runs'])} runs: performance {lh['runs']}; in the median run FCP "
            f"{lh['fcp_ms']} ms, LCP {lh['lcp_ms']} ms, TBT {lh['tbt_ms']} ms)")
        if lh["failed_a11y"]:
            say(f"    failed accessibility audits: {', '.join(lh['failed_a11y'])}")
        if lh["performance"] < TARGETS["performance"]:
            missed.append(f"{name} performance {lh['performance']} < {TARGETS['performance']}")
        if lh["accessibility"] < TARGETS["accessibility"]:
            missed.append(f"{name} accessibility {lh['accessibility']} < {TARGETS['accessibility']}")
    w = r["wallet_timing"]
    if "error" in w:
        say(f"  wallet logged in, Playwright: could not measure: {w['error']}")
    else:
        say(f"  wallet logged in, Playwright, unthrottled: balance on screen {w['balance_shown_ms']} ms, "
            f"LCP {w['lcp_ms']} ms")
    worst = 0
    for state, found in r["bytes"].items():
        if isinstance(found, dict):
            say(f"  code page JS+CSS ({state}): could not measure: {found['error']}")
            missed.append(f"code page JS+CSS ({state}) not measured")
            continue
        raw, gz, files = found
        worst = max(worst, gz)
        say(f"  code page JS+CSS ({state}): {gz / 1024:.1f} KB gzipped ({raw / 1024:.1f} KB raw, "
            f"{len(files)} files)")
    if worst / 1024 > TARGETS["js_css_kb_gz"]:
        missed.append(f"code page JS+CSS {worst / 1024:.1f} KB gz > {TARGETS['js_css_kb_gz']} KB")
    sent = r["claim_requests"]
    if isinstance(sent, dict):
        say(f"  API requests of a logged-in claim: could not measure: {sent['error']}")
        missed.append("requests of a logged-in claim not measured")
    else:
        say(f"  API requests of a logged-in claim, from the code page's load: {len(sent)} "
            f"({', '.join(sent)})")
        if len(sent) != TARGETS["claim_requests"]:
            missed.append(f"a logged-in claim made {len(sent)} API requests, not 1")


if __name__ == "__main__":
    sys.exit(main())
