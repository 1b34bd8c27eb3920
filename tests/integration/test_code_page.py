"""The code's page (contract "The code page"): the web app's index.html from the web bucket with
what the code is for, readable without JavaScript and as JSON for the app; GET and HEAD."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from html import escape

import pytest
from tanhui import cache
from tanhui.aws import client
from tanhui.claims import factors
from tanhui.codes import keyring, token
from tanhui.config import get_settings
from tanhui.identity import consent

from tests.conftest import web_bucket_kept
from tests.factories import make_asset, partner_item, single_use, static

BASE = "HTTPS://QR.TANHUI.CN"
JSON_SCRIPT = re.compile(r'<script type="application/json" id="tanhui-code">(.*?)</script>', re.S)


def embedded(html: str) -> dict:
    (found,) = JSON_SCRIPT.findall(html)
    return json.loads(found)


def csp_safe(html: str) -> bool:
    """Nothing the Content-Security-Policy refuses: no style attribute or block, no script but
    JSON data, no custom-scheme link."""
    scripts = re.findall(r"<script\b([^>]*)>", html)
    return (not re.search(r"\sstyle\s*=|<style\b", html, re.I) and "tanhui://" not in html
            and all('type="application/json"' in s or "src=" in s for s in scripts))


@pytest.fixture(autouse=True)
def _factors_and_no_web_app(aws):
    factors.seed_defaults()
    bucket = get_settings().web_bucket
    with web_bucket_kept(aws, "index.html"):
        client("s3").delete_object(Bucket=bucket, Key="index.html")
        cache.clear()
        yield
    cache.clear()


def test_given_a_hotel_room_code_then_the_page_says_scene_coins_partner_and_room_zh_first(api):
    partner = partner_item("hotel", name="丹霞山宾馆")
    room = make_asset(partner, "hotel_room")
    url = static(room)
    page = api.get(url.removeprefix(BASE))
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    facts = embedded(page.body)
    assert facts == {
        "valid": True, "kind": "hotel_room", "code": url, "short": facts["short"],
        "scene": {"zh": "低碳住宿", "en": "Low-carbon hotel night"}, "coins": 2, "gco2e": 1500,
        "partner": "丹霞山宾馆", "asset": room.name, "needs_location": False, "reason": None,
        "consent": consent.document().model_dump(),
    }
    text = page.body
    assert text.index("低碳住宿") < text.index("Low-carbon hotel night")
    assert "2 碳币" in text and "丹霞山宾馆" in text and facts["short"] in text
    assert "<title>" in text and csp_safe(text) and "打开碳惠 App" not in text


def test_given_a_geofenced_vehicle_then_needs_location_and_coins_from_its_route(api):
    bus = make_asset(partner_item("transport_operator"), "vehicle",
                     geofence={"lat": 24.9, "lng": 113.7, "radius_m": 500, "required": True})
    facts = embedded(api.get(static(bus).removeprefix(BASE)).body)
    assert facts["kind"] == "vehicle" and facts["needs_location"] is True
    assert (facts["coins"], facts["gco2e"]) == (1, 1000)  # 12.5 km × (110 − 30) g/km


def test_given_a_forged_code_then_404_chinese_first_and_valid_false(api):
    url = static(make_asset(partner_item("hotel"), "hotel_room"))
    forged = url.removeprefix(BASE)[:-1] + ("A" if url[-1] != "A" else "B")
    page = api.get(forged)
    assert page.status == 404 and csp_safe(page.body)
    assert embedded(page.body) | {"reason": None} == {
        "valid": False, "kind": None, "code": None, "short": None, "scene": None, "coins": None,
        "gco2e": None, "partner": None, "asset": None, "needs_location": False, "reason": None,
        "consent": None}
    assert embedded(page.body)["reason"] == "invalid"
    assert "ssr-consent" not in page.body and consent.VERSION not in page.body
    assert page.body.index("无效的碳惠码") < page.body.index("Not a valid Tanhui code")


def test_given_an_expired_screen_code_or_a_retired_asset_then_410_pages(api):
    bus = make_asset(partner_item("transport_operator"), "vehicle")
    an_hour_ago = int((datetime.now(UTC) - timedelta(hours=1)).timestamp())
    old_step = an_hour_ago // get_settings().rotating_step_seconds
    expired = api.get(static(bus, token.Kind.VEHICLE_ROTATING, step=old_step).removeprefix(BASE))
    assert expired.status == 410 and embedded(expired.body)["reason"] == "expired"
    assert "二维码已过期" in expired.body
    room = make_asset(partner_item("hotel"), "hotel_room")
    room.update(actions=[type(room).status.set("retired")])
    cache.clear()
    retired = api.get(static(room).removeprefix(BASE))
    assert retired.status == 410 and embedded(retired.body)["reason"] == "revoked"


def test_given_a_voucher_then_show_it_at_the_till_and_no_coins(api):
    partner = partner_item("merchant", name="丹霞茶社")
    kid, key = keyring.keyring().signing_key()
    voucher = token.code_url(BASE, token.issue_voucher(kid, key, partner, "0000A1"))
    page = api.get(voucher.removeprefix(BASE))
    facts = embedded(page.body)
    assert page.status == 200 and facts["kind"] == "voucher" and facts["coins"] is None
    assert facts["partner"] == "丹霞茶社" and "请在收银台出示" in page.body and csp_safe(page.body)
    assert facts["consent"] is None and "ssr-consent" not in page.body  # nobody registers to show it


def test_given_a_ticket_then_the_consent_in_force_is_in_the_json_and_readable_in_the_html(api):
    """A new tourist registers on the code's page: the consent they accept is on it, the same as
    GET /v1/consent answers, as data for the app and as text painted before any script runs."""
    (url,) = single_use(make_asset(partner_item(), "ticket_product"))
    url = url.removeprefix(BASE)
    page = api.get(url)
    in_force = api.get("/v1/consent").body
    assert page.status == 200 and embedded(page.body)["consent"] == in_force
    assert in_force == consent.document().model_dump()
    html = page.body.split("</head>", 1)[1]
    section = re.search(r'<section class="ssr-consent".*?</section>', html, re.S)
    assert section, "the consent is rendered in the page's HTML"
    text = section.group(0)
    assert f"版本 {in_force['version']}" in text
    zh, en = (escape(in_force["text"][lang], quote=False) for lang in ("zh", "en"))
    assert zh in text and en in text and text.index(zh) < text.index(en)
    assert 'tabindex="0"' in text and "aria-label=" in text  # a scrollable box a keyboard can reach
    assert csp_safe(page.body)


def test_given_head_then_the_status_and_headers_without_a_body(api):
    url = static(make_asset(partner_item("hotel"), "hotel_room")).removeprefix(BASE)
    head = api.call("HEAD", url)
    assert head.status == 200 and head.headers["Content-Type"].startswith("text/html") and not head.body
    assert api.call("HEAD", url[:-1] + ("A" if url[-1] != "A" else "B")).status == 404


def test_given_the_web_app_in_the_bucket_then_its_index_is_filled_and_names_cannot_close_the_script(api):
    index = ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><!--app-head-->'
             '<title>碳惠 Tanhui</title>'
             '<script type="module" src="/assets/index-abc.js"></script></head>'
             '<body><div id="app"><!--app-html--></div></body></html>')
    client("s3").put_object(Bucket=get_settings().web_bucket, Key="index.html", Body=index.encode())
    cache.clear()
    partner = partner_item("hotel", name="</script><script>alert(1)</script> & Co")
    url = static(make_asset(partner, "hotel_room")).removeprefix(BASE)
    page = api.get(url)
    assert page.status == 200 and "/assets/index-abc.js" in page.body
    assert "<!--app-head-->" not in page.body and "<!--app-html-->" not in page.body
    assert "<script>alert" not in page.body and csp_safe(page.body)
    assert embedded(page.body)["partner"] == "</script><script>alert(1)</script> & Co"
    assert '<div id="app"><main class="ssr-code' in page.body
    titles = re.findall(r"<title>(.*?)</title>", page.body, re.S)
    assert titles == ["低碳住宿 · 扫码领碳币 · 碳惠"], "one <title>, the code's, in place of index.html's"


def test_given_the_web_app_published_after_a_scan_then_the_next_scan_uses_it_at_once(api):
    url = static(make_asset(partner_item("hotel"), "hotel_room")).removeprefix(BASE)
    assert "/assets/late.js" not in api.get(url).body  # no web app yet: the plain page
    index = ('<!doctype html><html><head><!--app-head--><script type="module" src="/assets/late.js">'
             '</script></head><body><div id="app"><!--app-html--></div></body></html>')
    client("s3").put_object(Bucket=get_settings().web_bucket, Key="index.html", Body=index.encode())
    assert "/assets/late.js" in api.get(url).body  # a miss is not kept for a minute
