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

Targets (exit 1 when one is missed): performance >= 90, accessibility >= 95, JS+CSS <= 150 KB gz,
1 API request.
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
DIST = ROOT / "web" / "dist"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LIGHTHOUSE = "lighthouse@12.2.3"
LH_CHROME_FLAGS = "--headless --no-sandbox --disable-gpu --disable-background-networking"
PW_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
RUNS = int(os.environ.get("BENCH_WEB_RUNS", "3"))  # Lighthouse runs per page (the median is kept)
TARGETS = {"performance": 90, "accessibility": 95, "js_css_kb_gz": 150, "claim_requests": 1}


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
    stack.publish_web()
    return stack, demo


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# ------------------------------------------------------------------------------- Lighthouse
def lighthouse_median(url: str, out: Path, profile: Path | None = None) -> dict[str, Any]:
    """The run of median performance score of RUNS (Lighthouse's own advice: scores vary by run)."""
    runs = [lighthouse(url, out.with_suffix(f".{n}.json"), profile) for n in range(RUNS)]
    runs.sort(key=lambda r: r["performance"])
    chosen = runs[len(runs) // 2]
    chosen["runs"] = [r["performance"] for r in runs]
    return chosen


def lighthouse(url: str, out: Path, profile: Path | None = None) -> dict[str, Any]:
    if profile:
        clear_caches(profile)
    flags = LH_CHROME_FLAGS + (f" --user-data-dir={profile}" if profile else "")
    cmd = ["npx", "--yes", LIGHTHOUSE, url, "--quiet", "--output=json", f"--output-path={out}",
           "--only-categories=performance,accessibility", "--form-factor=mobile",
           f"--chrome-flags={flags}"]
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
            results["code"] = attempt(lighthouse_median, base + ticket_codes[0], work / "code.json")
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=PW_ARGS)
                results["bytes"] = {
                    "logged out": attempt(code_page_bytes, browser, base, ticket_codes[0], None),
                    "logged in": attempt(code_page_bytes, browser, base, room, tourist),
                }
                results["claim_requests"] = attempt(claim_requests, browser, base, ticket_codes[1], tourist)
                results["wallet_timing"] = attempt(wallet_timing, browser, base, tourist)
                browser.close()
                profile = attempt(logged_in_profile, pw, base, tourist, work / "profile")
            results["wallet"] = attempt(lighthouse_median, base + "/wallet", work / "wallet.json",
                                        None if isinstance(profile, dict) else work / "profile")
    finally:
        stack.stop()
    return results


def report(r: dict[str, Any]) -> int:
    missed = []
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
    say("targets: performance >= 90, accessibility >= 95, JS+CSS <= 150 KB gz, 1 request: "
        + ("all met" if not missed else "MISSED: " + "; ".join(missed)))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
