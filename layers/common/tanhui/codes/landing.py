"""The page a phone camera opens when it scans a code URL (`<base>/Q/<token>`, or
`<base>/01/<GTIN>/21/<token>` on packaging) with no app installed.

It verifies the token (no database read) and hands the scanned text to the Tanhui app, which claims
it with the user's login (POST /v1/claims). A voucher (兑换券) is not claimed: its page says to show
it at the merchant's till (still no database read: which offer it is stays with the till). A forged
or retired code says so instead: people learn that a tampered sticker is not ours.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from tanhui import errors
from tanhui.codes import keyring, token
from tanhui.config import get_settings

APP_LINK = "tanhui://claim?code="
WHAT = {
    token.Kind.TICKET: ("非一次性门票", "non-disposable ticket"),
    token.Kind.PACKAGING: ("低碳产品", "low-carbon product"),
    token.Kind.VEHICLE: ("环保交通", "eco-vehicle or boat ride"),
    token.Kind.VEHICLE_ROTATING: ("环保交通", "eco-vehicle or boat ride"),
    token.Kind.HOTEL_ROOM: ("低碳住宿", "low-carbon hotel night"),
}

_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>碳惠 Tanhui</title>
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#123}}
a.button{{display:block;text-align:center;padding:.9rem;border-radius:.6rem;background:#1b7f4b;color:#fff;
text-decoration:none;font-size:1.1rem}} .muted{{color:#567;font-size:.85rem;word-break:break-all}}</style>
</head><body>
<h1>{title}</h1>
<p>{body}</p>
{action}
<p class="muted">{footer}</p>
</body></html>"""


def page(path: str) -> tuple[int, str]:
    """(status, HTML) for the path of a scanned URL: 200 for a genuine code, 404 otherwise."""
    try:
        scanned = token.parse_scanned(path)
        tok = token.verify(scanned.token, keyring.verifying_key, token.CODE_KINDS | token.VOUCHER_KINDS)
    except errors.InvalidCode:
        return 404, _PAGE.format(
            title="无效的碳惠码 · Not a valid code",
            body="这个二维码不是碳惠发放的，或已失效。"
            "<br>This QR code was not issued by Tanhui or is no longer valid.",
            action="",
            footer="If it is stuck on a ticket, room or product, please tell the staff.",
        )
    if tok.kind is token.Kind.VOUCHER:
        return 200, _PAGE.format(
            title="碳惠兑换券 · Tanhui voucher",
            body="这是一张兑换券，不能领取碳币。请在商家收银台出示，由店员扫码核销。"
            "<br>This is a voucher, not a code to earn coins: show it at the merchant's till, "
            "where the staff scan it.",
            action="",
            footer=f"Voucher {escape(tok.short)}",
        )
    zh, en = WHAT[tok.kind]
    code = get_settings().code_base_url.rstrip("/").upper() + path  # what the app will claim
    return 200, _PAGE.format(
        title="扫码领碳币 · Scan to earn carbon coins",
        body=f"{escape(zh)} · {escape(en)}<br>在碳惠 App 中领取碳币（需登录并同意数据授权）。"
        "<br>Open the Tanhui app to claim your carbon coins (log in and consent first).",
        action=f'<a class="button" href="{escape(APP_LINK + quote(code, safe=""))}">'
        "打开碳惠 App · Open the app</a>",
        footer=f"Code {escape(tok.short)}",
    )
