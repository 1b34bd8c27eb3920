"""The code's page: what a phone camera opens when it scans a code URL (`<base>/Q/<token>`, or
`<base>/01/<GTIN>/21/<token>` on packaging).

The page is the web app's `index.html` (web bucket, key `index.html`, read at most once a minute)
with its two markers filled: `<!--app-html-->` with what the code is for, readable without
JavaScript (scene in Chinese and English, coins, partner, asset, short code; class names `ssr-…`,
styled by the web app's CSS), and `<!--app-head-->` with a <title> (in place of index.html's own)
and the same facts as JSON in `<script type="application/json" id="tanhui-code">` for the app to
claim with. Without the web app (no bucket, no object) a plain page of our own carries the same.

A code that earns coins also carries the consent in force (`identity.consent.document()`, the
same as GET /v1/consent): a new tourist registers on this page, and the consent is read before
that. It is in the JSON, so the app asks the API for nothing before the tourist types, and in
the HTML, so the page's largest text is painted with the page's first paint.

Nothing inline for the Content-Security-Policy to refuse: no style attribute, no <style>, no
script but the JSON data.

What the code is comes from the claim's own reads (`claims.scan.verified`, the cached asset,
factor and partner name): the page promises the coins the claim would credit now. A voucher
(兑换券) is not claimed: its page says to show it at the till. A forged code answers 404, an
expired rotating code or a revoked one 410, Chinese first.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from html import escape
from typing import Any

from botocore.exceptions import ClientError

from tanhui import cache, errors
from tanhui.aws import client
from tanhui.claims import factors, metadata, scan
from tanhui.codes import keyring, token
from tanhui.config import get_settings
from tanhui.identity import consent as consents
from tanhui.models.base import iso_ms, plain

INDEX_KEY = "index.html"
INDEX_MAX_AGE = 60.0  # seconds a container keeps the web app's index.html
HEAD_MARKER, HTML_MARKER = "<!--app-head-->", "<!--app-html-->"
TITLE = re.compile(r"<title\b[^>]*>.*?</title\s*>", re.I | re.S)  # index.html's own: ours replaces it
SCENE = {  # what the code stands for, as a tourist says it
    token.Kind.TICKET: ("非一次性门票", "Non-disposable ticket"),
    token.Kind.PACKAGING: ("低碳产品", "Low-carbon product"),
    token.Kind.VEHICLE: ("环保交通", "Eco-vehicle or boat ride"),
    token.Kind.VEHICLE_ROTATING: ("环保交通", "Eco-vehicle or boat ride"),
    token.Kind.HOTEL_ROOM: ("低碳住宿", "Low-carbon hotel night"),
    token.Kind.VOUCHER: ("兑换券", "Voucher"),
}
REFUSED = {  # reason: (status, Chinese, English)
    "invalid": (404, "无效的碳惠码", "Not a valid Tanhui code",
                "这个二维码不是碳惠发放的，或已失效。如果它贴在门票、房间或商品上，请告诉工作人员。",
                "This QR code was not issued by Tanhui or is no longer valid. If it is stuck on a "
                "ticket, room or product, please tell the staff."),
    "expired": (410, "二维码已过期", "This code has expired",
                "这是车内屏幕上的动态码，已经过期。请重新扫描屏幕上的二维码。",
                "This is a screen's changing code and it has expired: scan the screen again."),
    "revoked": (410, "二维码已停用", "This code has been withdrawn",
                "发放这个二维码的合作方已停用它，不能再领取碳币。",
                "The partner that issued this code has withdrawn it: it earns no coins."),
}

FALLBACK_INDEX = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<!--app-head--></head>
<body><div id="app"><!--app-html--></div></body></html>
"""


@dataclass(frozen=True, slots=True)
class CodeFacts:
    """The JSON the page embeds (`#tanhui-code`): what the web app shows and claims with."""

    valid: bool
    kind: str | None = None
    code: str | None = None  # the text to POST to /v1/claims as `code`
    short: str | None = None
    scene: dict[str, str] | None = None
    coins: int | None = None
    gco2e: int | None = None
    partner: str | None = None
    asset: str | None = None
    needs_location: bool = False
    reason: str | None = None  # why not valid: invalid, expired, revoked
    consent: dict[str, Any] | None = None  # the consent in force {version, text: {zh, en}}: coins codes


# ------------------------------------------------------------------------------------ facts
def facts(path: str, *, at: datetime | None = None) -> CodeFacts:
    """What the code of a scanned URL's path is for, as a claim now would see it."""
    at = at or datetime.now(UTC)
    code = get_settings().code_base_url.rstrip("/").upper() + path  # what the app will claim
    try:
        scanned = token.parse_scanned(path)
        tok = token.verify(scanned.token, keyring.verifying_key, token.CODE_KINDS | token.VOUCHER_KINDS)
        if tok.kind is token.Kind.VOUCHER:
            return _facts(tok, code, partner=metadata.partner_name(tok.partner_id))
        tok, asset = scan.verified(code, at)
        scan.check_not_revoked(asset, tok)
    except errors.CodeExpired:
        return CodeFacts(valid=False, reason="expired")
    except errors.CodeRevoked:
        return CodeFacts(valid=False, reason="revoked")
    except errors.InvalidCode:
        return CodeFacts(valid=False, reason="invalid")
    coins: int | None
    gco2e: int | None
    try:
        factor = factors.factor_for(scan.BEHAVIOUR_OF[tok.kind], iso_ms(at))
        coins, gco2e = factors.reduction(factor, plain(asset.attributes))
    except (factors.FactorMissing, factors.AssetIncomplete):
        coins = gco2e = None  # the claim would say why; the page still says what the code is
    fence = asset.geofence
    return _facts(
        tok, code, coins=coins, gco2e=gco2e, partner=metadata.partner_name(tok.partner_id),
        asset=asset.name, needs_location=bool(fence is not None and fence.required),
        consent=consents.document().model_dump(),
    )


def _facts(tok: token.Token, code: str, **known: Any) -> CodeFacts:
    zh, en = SCENE[tok.kind]
    return CodeFacts(valid=True, kind=tok.kind.label, code=code, short=tok.short,
                     scene={"zh": zh, "en": en}, **known)


# ----------------------------------------------------------------------------------- the page
def index_html() -> str:
    """The web app's index.html from the web bucket (cached ≤ 60 s), else our plain page."""
    bucket = get_settings().web_bucket
    if not bucket:
        return FALLBACK_INDEX

    def load() -> str | None:
        try:
            body = client("s3").get_object(Bucket=bucket, Key=INDEX_KEY)["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "NoSuchBucket", "404"}:
                return None
            raise
        return body.decode("utf-8")

    found = cache.cached(("web_index", bucket), load, max_age=INDEX_MAX_AGE)
    if found is None:  # not published yet: look again next time, not a minute later
        cache.forget(("web_index", bucket))
    return found if found and HEAD_MARKER in found and HTML_MARKER in found else FALLBACK_INDEX


def script_json(value: Any) -> str:
    """JSON that cannot end its <script> element: `<`, `>` and `&` as \\u escapes."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _line(css: str, zh: str, en: str) -> str:
    zh, en = escape(zh, quote=False), escape(en, quote=False)  # text, not attributes
    return f'<p class="{css}">{zh}<br><span lang="en">{en}</span></p>'


def body_html(f: CodeFacts) -> str:
    """What a phone shows before (or without) JavaScript: Chinese first, English beside."""
    if not f.valid:
        _, zh, en, zh_text, en_text = REFUSED[f.reason or "invalid"]
        return (f'<main class="ssr-code ssr-invalid"><h1 class="ssr-title">{escape(zh)}'
                f'<br><span lang="en">{escape(en)}</span></h1>'
                f'{_line("ssr-text", zh_text, en_text)}</main>')
    assert f.scene is not None and f.short is not None
    parts = [f'<main class="ssr-code ssr-{escape(f.kind or "")}">']
    if f.kind == token.Kind.VOUCHER.label:
        parts.append('<h1 class="ssr-title">碳惠兑换券<br><span lang="en">Tanhui voucher</span></h1>')
        parts.append(_line("ssr-text", "请在收银台出示，由店员扫码核销。这张券不能领取碳币。",
                           "Show this at the merchant's till, where the staff scan it. It earns no coins."))
    else:
        parts.append('<h1 class="ssr-title">扫码领碳币<br><span lang="en">Scan to earn carbon coins'
                     "</span></h1>")
        parts.append(_line("ssr-scene", f.scene["zh"], f.scene["en"]))
        if f.coins is not None:
            parts.append(_line("ssr-coins", f"{f.coins} 碳币", f"{f.coins} carbon coin"
                               + ("" if f.coins == 1 else "s")))
    if f.partner or f.asset:
        parts.append(f'<p class="ssr-partner">{escape(" · ".join(x for x in (f.partner, f.asset) if x))}</p>')
    parts.append(f'<p class="ssr-short">编号 <span lang="en">Code</span> {escape(f.short)}</p>')
    if f.consent:
        parts.append(consent_html(f.consent))
    parts.append("</main>")
    return "".join(parts)


def consent_html(doc: dict[str, Any]) -> str:
    """The consent in force, as the register form shows it, Chinese then English in one
    scrollable box (the register form's, a little taller). One element holds both texts, higher
    on the screen than the app's copy of one of them, so that it stays the page's largest
    contentful paint, painted with the first paint."""
    version = escape(doc["version"])
    zh, en = (escape(doc["text"][lang], quote=False) for lang in ("zh", "en"))
    return ('<section class="ssr-consent" aria-labelledby="ssr-consent-title">'
            f'<h2 class="ssr-consent__title" id="ssr-consent-title">数据授权（版本 {version}）'
            f'<br><span lang="en">Data-collection consent (version {version})</span></h2>'
            '<div class="ssr-consent__text" tabindex="0" role="region" aria-label="数据授权 Consent">'
            f'{zh}<br><br><span lang="en">{en}</span></div>'
            '<p class="ssr-consent__note">注册时请阅读并勾选同意，再领取碳币。'
            '<br><span lang="en">Read and accept it when you register, then claim your coins.</span></p>'
            "</section>")


def title(f: CodeFacts) -> str:
    if not f.valid:
        _, zh, en, *_ = REFUSED[f.reason or "invalid"]
        return f"{zh} · {en} · 碳惠"
    if f.kind == token.Kind.VOUCHER.label:
        return "碳惠兑换券 · Tanhui voucher"
    assert f.scene is not None
    return f"{f.scene['zh']} · 扫码领碳币 · 碳惠"


def render(f: CodeFacts, index: str) -> str:
    """index.html with the markers filled: one <title>, ours (index.html's own is taken out)."""
    head = (f"<title>{escape(title(f))}</title>"
            f'<script type="application/json" id="tanhui-code">{script_json(asdict(f))}</script>')
    start = index.find("</head>")
    start = len(index) if start < 0 else start
    index = TITLE.sub("", index[:start]) + index[start:]
    return index.replace(HEAD_MARKER, head, 1).replace(HTML_MARKER, body_html(f), 1)


def page(path: str, *, at: datetime | None = None) -> tuple[int, str]:
    """(status, HTML) for the path of a scanned URL: 200 for a code in force, 404 for a forged
    one, 410 for an expired or withdrawn one."""
    f = facts(path, at=at)
    status = 200 if f.valid else REFUSED[f.reason or "invalid"][0]
    return status, render(f, index_html())
