"""What the browser tests share: where Chromium, the built web app and axe-core are, the phones
they emulate, a JSON client for the API, and `Tab` (a page that keeps screenshots, runs axe-core
and collects console errors). Playwright is imported lazily: without it the folder is skipped
(tests/browser/conftest.py), unless TANHUI_REQUIRE_BROWSER=1."""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.e2e import conftest as e2e

ROOT = Path(__file__).resolve().parents[2]
DIST_INDEX = ROOT / "web" / "dist" / "index.html"
AXE_JS = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
REQUIRE = os.environ.get("TANHUI_REQUIRE_BROWSER", "").lower() in ("1", "true", "yes")


@dataclass(frozen=True)
class Phone:
    name: str
    width: int
    height: int
    user_agent: str

    @property
    def size(self) -> str:
        return f"{self.width}x{self.height}"


PHONES = [
    Phone("android-chrome", 390, 844,
          "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/150.0.0.0 Mobile Safari/537.36"),
    # WeChat's in-app browser on Android (the X5/XWeb WebView), as most scans in China open
    Phone("wechat-android", 360, 640,
          "Mozilla/5.0 (Linux; Android 12; V2134A Build/SP1A.210812.003; wv) AppleWebKit/537.36 "
          "(KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 "
          "MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F37) WeChat/arm64 "
          "Weixin NetType/WIFI Language/zh_CN ABI/arm64"),
]


# the console's desk: a clerk's or the operator's screen (Element Plus, desktop first)
DESK = Phone("desk-chromium", 1440, 900,
             "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Chrome/150.0.0.0 Safari/537.36")
# a tablet fixed in a bus or boat, or at a café's till (the on-board screen, the till)
TABLET = Phone("tablet-chromium", 800, 1280,
               "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
               "Chrome/150.0.0.0 Safari/537.36")


def missing() -> list[str]:
    """What the browser tests need and this machine lacks."""
    gaps = []
    if not Path(CHROMIUM).exists():
        gaps.append(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        gaps.append("no playwright module (pip install -r requirements-dev.txt)")
    if not DIST_INDEX.exists():
        gaps.append(f"no {DIST_INDEX.relative_to(ROOT)} (cd web && npm ci && npm run build)")
    if not AXE_JS.exists():
        gaps.append(f"no {AXE_JS.relative_to(ROOT)} (cd web && npm ci)")
    return gaps


# --------------------------------------------------------------------------------- the API
class Http(e2e.Http):
    """The e2e suite's JSON client, with HEAD as a browser sends it."""

    def head(self, path: str) -> tuple[int, dict[str, str]]:
        status, _, headers = self.request("HEAD", path, headers={"accept": "text/html"})
        return status, headers


@dataclass
class Tourist:
    phone: str
    password: str
    display_name: str
    access_token: str = ""


# -------------------------------------------------------------------------------- the page
SERIOUS = ("serious", "critical")


def axe_report(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " / ")
            lines.append(f"       {summary[:300]}")
        if len(v["nodes"]) > 5:
            lines.append(f"    … and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


@dataclass
class Tab:
    """One page of a test at one phone size: `check(name)` saves a full-page screenshot as
    artifacts/<test>/<n>-<name>-<w>x<h>.png and runs axe-core (no serious or critical violation);
    console errors, uncaught exceptions and CSP violations are collected and fail the test at its
    end, except console lines matching a pattern given to `allow()`."""

    page: Any
    phone: Phone
    folder: Path
    base_url: str
    errors: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)
    shots: int = 0

    def __post_init__(self) -> None:
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))

    def _console(self, msg: Any) -> None:
        where = (msg.location or {}).get("url") or self.page.url
        if msg.type != "error" or urlsplit(where).path == "/favicon.ico":  # the browser's, not the page's
            return
        if not any(p.search(msg.text) for p in self.allowed):
            self.errors.append(f"console error at {where}: {msg.text}")

    def allow(self, *patterns: str) -> None:
        """Console errors a test provokes on purpose (a 401 it forces, a network it cuts)."""
        self.allowed += [re.compile(p) for p in patterns]

    def goto(self, path: str) -> Any:
        return self.page.goto(self.base_url + path, wait_until="domcontentloaded")

    def check(self, name: str) -> Path:
        """Screenshot, then axe-core, of what the page shows now."""
        self.shots += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{self.shots:02d}-{name}-{self.phone.size}.png"
        self.page.wait_for_load_state("load")
        # transitions done (a dialog fading in has colours axe would misjudge); two frames first, so
        # one that starts on the next frame (a toast just mounted) is running, and waited for
        self.page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        self.page.wait_for_function(
            "() => document.getAnimations().every(a => a.playState !== 'running')")
        # axe before the screenshot: a toast's fade-out (3 s after it shows) must not start between
        axe(self.page, name)
        self.page.screenshot(path=str(path), full_page=True)
        return path


def expect(target: Any) -> Any:
    """Playwright's auto-waiting assertions (imported when a test runs, not when it is collected)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


_axe_source: str | None = None


def axe(page: Any, where: str = "") -> None:
    """axe-core in the page, evaluated (not a <script> tag: the CSP refuses inline scripts);
    fails on violations of serious or critical impact."""
    global _axe_source
    if _axe_source is None:
        _axe_source = AXE_JS.read_text(encoding="utf-8")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source)
    # a transition still running is finished, and an element already leaving (a toast fading out,
    # a dialog closing) is left out: axe would blend its fading colours into a false contrast failure
    result = page.evaluate(
        """() => {
             for (const a of document.getAnimations()) { try { a.finish() } catch (e) { /* infinite */ } }
             return window.axe.run({exclude: [['[class*="-leave-active"]']]}, {resultTypes: ['violations']})
                 .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                   helpUrl: v.helpUrl, nodes: v.nodes.map(n => ({target: n.target, html: n.html,
                   failureSummary: n.failureSummary}))})))
           }"""
    )
    bad = [v for v in result if v["impact"] in SERIOUS]
    assert not bad, f"axe-core on {where or page.url} ({page.url}):\n{axe_report(bad)}"


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:120]
