"""The tourist's H5 in Chromium at 390×844 and 360×640, as a phone camera opens it: the code's page
(register with consent and claim, the same code again, a one-tap claim, a boat that needs the
phone's location), the wallet and ledger, an offer redeemed and taken at the till, a donation, the
certificate PDF; and what goes wrong: a session that expires mid-claim, a forged code, the API
down. Every page is screenshotted into artifacts/ and checked by axe-core."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import pytest

from tests.browser.support import Tab, Tourist, expect

CJK = re.compile(r"[\u4e00-\u9fff]")
SESSION_KEY = "tanhui.session"


# ------------------------------------------------------------------------------ helpers
def field(tab: Tab, name: str) -> Any:
    """The input a `data-test` names (on the input itself or on a Vant field around it)."""
    return tab.page.locator(f'input[data-test="{name}"], [data-test="{name}"] input').first


def marked(tab: Tab, name: str) -> Any:
    return tab.page.locator(f'[data-test="{name}"]')


def as_typed(phone: str) -> str:
    """+8613712345678 as a person types it: 137 1234 5678."""
    digits = phone.removeprefix("+86")
    return f"{digits[:3]} {digits[3:7]} {digits[7:]}"


def log_in(tab: Tab, who: Tourist, then: str) -> None:
    """Through the login page, as a tourist does; back at `then` after it."""
    tab.goto(f"/login?next={quote(then)}")
    field(tab, "phone").fill(as_typed(who.phone))
    field(tab, "password").fill(who.password)
    tab.check("login")
    marked(tab, "submit").click()
    tab.page.wait_for_url(tab.base_url + then)
    tab.page.wait_for_load_state("networkidle")  # what the page it lands on asks the API


def claim_result(tab: Tab) -> str:
    result = marked(tab, "claim-result")
    result.wait_for(state="visible")
    return result.inner_text()


def api_requests(tab: Tab) -> list[str]:
    """Every request the page sends to the API from now on (method and path)."""
    seen: list[str] = []

    def note(request: Any) -> None:
        path = request.url[len(tab.base_url):] if request.url.startswith(tab.base_url) else request.url
        if path.startswith("/v1/"):
            seen.append(f"{request.method} {path}")

    tab.page.on("request", note)
    return seen


# ------------------------------------------------------------------------------- the code page
def test_a_new_tourist_scans_registers_with_consent_is_credited_and_the_same_code_again_says_already(
    tab: Tab, h5: Any
) -> None:
    from tanhui.identity import consent as in_force

    from tests.support import unique_phone

    code = h5.ticket()
    sent = api_requests(tab)
    reply = tab.goto(code)
    assert reply.status == 200
    page = tab.page
    # readable before any script runs: what the code is for and its coins, and the consent in force
    assert CJK.search(page.locator("#app").inner_text())
    served = reply.text()
    assert f"版本 {in_force.VERSION}" in served and in_force.TEXT_ZH.splitlines()[1] in served
    field(tab, "phone").wait_for()  # register right on the code's page
    tab.check("code-page")
    field(tab, "phone").fill(as_typed(unique_phone()))
    field(tab, "password").fill("green-trip-2026")
    field(tab, "display-name").fill("小林")
    consent, submit = marked(tab, "consent"), marked(tab, "submit")
    assert not consent.is_checked(), "the consent box is never ticked for the tourist"
    assert submit.is_disabled(), "register is impossible before the consent is ticked"
    page.get_by_text("数据授权", exact=False).first.wait_for()
    assert f"版本 {in_force.VERSION}" in page.locator(".consent__title").inner_text()
    assert in_force.TEXT_ZH.splitlines()[1] in marked(tab, "consent-text").inner_text()
    assert "GET /v1/consent" not in sent, f"the page carries the consent, yet asked for it: {sent}"
    tab.check("register-on-code-page")
    consent.click()
    assert submit.is_enabled()
    submit.click()

    result = claim_result(tab)  # the claim continues by itself: no second scan, no second tap
    assert "领取成功" in result
    assert re.search(r"余额.*\d+\s*碳币", page.locator("body").inner_text())
    tab.check("claimed")

    tab.goto(code)
    marked(tab, "claim").click()
    assert "已领取过" in claim_result(tab)
    tab.check("already-credited")


def test_a_logged_in_tourist_claims_a_ticket_in_one_tap_and_one_api_request(
    tab: Tab, h5: Any, tourist: Any
) -> None:
    who = tourist()
    log_in(tab, who, "/")
    code = h5.ticket()
    tab.page.goto("about:blank")  # nothing of the page before is still on its way
    sent = api_requests(tab)
    tab.goto(code)
    claim = marked(tab, "claim")
    claim.wait_for()
    tab.page.wait_for_load_state("networkidle")
    tab.check("code-page-logged-in")
    assert sent == [], f"the code page called the API before the tap: {sent}"
    claim.click()
    assert "领取成功" in claim_result(tab)
    tab.page.wait_for_load_state("networkidle")
    assert sent == ["POST /v1/claims"], sent
    assert "余额" in tab.page.locator("body").inner_text()
    tab.check("claimed")


def test_a_boat_code_that_needs_the_phones_location_is_claimed_at_the_pier(
    tab: Tab, h5: Any, tourist: Any, context: Any
) -> None:
    context.grant_permissions(["geolocation"], origin=tab.base_url)
    context.set_geolocation(h5.pier | {"accuracy": 20})
    log_in(tab, tourist(), "/")
    sent = api_requests(tab)
    tab.goto(h5.boat)
    tab.page.get_by_text("需要您的位置", exact=False).first.wait_for()
    tab.check("boat-code")
    marked(tab, "claim").click()
    assert "领取成功" in claim_result(tab)
    tab.check("boat-claimed")
    claims = [r for r in sent if r == "POST /v1/claims"]
    # the fence requires a location (422 location_required without one) and is 300 m around the pier:
    # one claim that succeeded carried the phone's position, inside the fence
    assert claims == ["POST /v1/claims"], sent


# ------------------------------------------------------------------------- wallet and spending
def _claimed(web_http: Any, who: Tourist, code_path: str) -> None:
    status, body, _ = web_http.request("POST", "/v1/claims", {"code": code_path.rsplit("/", 1)[-1]},
                                       token=who.access_token)
    assert status == 201, body


def test_the_wallet_shows_the_balance_and_the_ledger_in_chinese(
    tab: Tab, h5: Any, tourist: Any, web_http: Any
) -> None:
    who = tourist()
    _claimed(web_http, who, h5.ticket())
    _claimed(web_http, who, h5.room)
    log_in(tab, who, "/wallet")
    _, wallet, _ = web_http.request("GET", "/v1/me/wallet", token=who.access_token)
    expect(marked(tab, "balance")).to_contain_text(str(wallet["coins"]))
    items = marked(tab, "ledger-item")
    expect(items).to_have_count(2)
    text = " ".join(items.all_inner_texts())
    assert "低碳住宿" in text and "非一次性门票" in text, text
    tab.check("wallet")


def test_an_offer_is_redeemed_its_voucher_qr_is_taken_at_the_till_and_then_shows_used(
    tab: Tab, h5: Any, tourist: Any, web_http: Any
) -> None:
    who = tourist()
    _claimed(web_http, who, h5.ticket())
    # straight to the offer, as its shared link opens it: the session's other tests list many
    # merchants' offers (some with this title) before it
    log_in(tab, who, f"/offers/{h5.offer_id}")
    redeem = marked(tab, "redeem")
    redeem.wait_for()
    tab.check("offer")
    redeem.click()
    confirm = tab.page.get_by_role("button", name=re.compile("确认|兑换"))
    if tab.page.locator(".van-dialog").is_visible():
        tab.check("redeem-confirm")
        confirm.last.click()
    tab.page.wait_for_url(re.compile(r"/vouchers/[^/?]+"))
    qr = marked(tab, "voucher-qr")
    qr.wait_for()
    tab.check("voucher-qr")
    voucher_id = tab.page.url.rsplit("/", 1)[-1].split("?")[0]

    _, mine, _ = web_http.request("GET", "/v1/me/vouchers", token=who.access_token)
    (voucher,) = [v for v in mine["items"] if v["voucher_id"] == voucher_id]
    status, body, _ = web_http.request("POST", "/v1/partner/vouchers/consume", {"code": voucher["code"]},
                                       token=h5.till_token())
    assert status == 200, body
    _, mine, _ = web_http.request("GET", "/v1/me/vouchers", token=who.access_token)
    assert [v["status"] for v in mine["items"] if v["voucher_id"] == voucher_id] == ["consumed"]

    tab.page.reload()  # the page reads the voucher again (the history entry still holds it issued)
    expect(marked(tab, "voucher-status")).to_have_text("已使用")
    expect(marked(tab, "voucher-state")).to_be_visible()
    expect(marked(tab, "voucher-code")).to_have_text(voucher["short"])
    marked(tab, "voucher-refresh").click()  # the tourist looks again once the till has scanned
    expect(marked(tab, "voucher-status")).to_have_text("已使用")
    expect(marked(tab, "voucher-till")).to_have_count(0)
    tab.check("voucher-used")
    tab.goto("/vouchers")
    expect(tab.page.get_by_text("已使用").first).to_be_visible()
    tab.check("vouchers")


def test_a_tourist_withdraws_consent_on_the_me_page_is_refused_a_scan_then_gives_it_again(
    tab: Tab, h5: Any, tourist: Any, web_http: Any
) -> None:
    who = tourist()
    log_in(tab, who, "/me")
    expect(marked(tab, "consent-version")).to_contain_text("同意")
    marked(tab, "withdraw-consent").click()
    dialog = tab.page.locator(".van-dialog").filter(has_text="撤回数据授权")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("不再发放碳币")  # what stops, said before it stops
    expect(dialog).to_contain_text("已发放的碳币")  # and what stays
    tab.check("withdraw-dialog")
    dialog.get_by_role("button", name="确认撤回").click()
    expect(marked(tab, "consent-version")).to_contain_text("撤回")
    expect(marked(tab, "give-consent")).to_be_visible()
    tab.check("consent-withdrawn")
    _, me, _ = web_http.request("GET", "/v1/me", token=who.access_token)
    assert me["consent"] is None and me["consent_withdrawn_at"]
    status, body, _ = web_http.request("POST", "/v1/claims", {"code": h5.ticket().rsplit("/", 1)[-1]},
                                       token=who.access_token)
    assert (status, body["error"]["code"]) == (403, "consent_withdrawn")

    marked(tab, "give-consent").click()
    again = tab.page.locator(".van-dialog").filter(has_text="2026-11")
    expect(again).to_be_visible()
    tab.check("give-consent-dialog")
    again.locator('[data-test="consent"]').click()
    again.get_by_role("button", name="同意授权").click()
    expect(marked(tab, "consent-version")).to_contain_text("版本 2026-11")
    expect(marked(tab, "withdraw-consent")).to_be_visible()
    _claimed(web_http, who, h5.ticket())  # collection restarts from now


def test_a_tourist_downloads_a_copy_of_their_data_from_the_me_page(
    tab: Tab, h5: Any, tourist: Any, web_http: Any
) -> None:
    who = tourist()
    _claimed(web_http, who, h5.room)
    log_in(tab, who, "/me")
    button = marked(tab, "data-export")
    expect(button).to_contain_text("导出我的数据")
    expect(button).to_contain_text("Download my data")
    with tab.page.expect_response(lambda r: r.url.endswith("/v1/me/data-export")) as answered:
        button.click()
    assert answered.value.status == 201
    links = marked(tab, "data-export-file")
    expect(links).to_have_count(2)
    expect(marked(tab, "data-export-files")).to_contain_text("有效")
    tab.check("data-export")
    with tab.page.expect_download() as downloading:
        links.first.click()
    assert downloading.value.suggested_filename.endswith("-data.json")
    document = json.loads(Path(downloading.value.path()).read_text(encoding="utf-8"))
    _, me, _ = web_http.request("GET", "/v1/me", token=who.access_token)
    assert (document["profile"]["user_id"], document["profile"]["phone"]) == (me["user_id"], who.phone)
    assert [e["behaviour"] for e in document["ledger"]] == ["hotel_low_carbon_night"]
    with tab.page.expect_download() as downloading:
        links.nth(1).click()
    assert downloading.value.suggested_filename.endswith("-data-csv.zip")

    tab.allow(r"status of 429")  # the browser logs the refused request
    button.click()  # again within the minute: the error table's words, the links stay
    expect(marked(tab, "data-export-error")).to_contain_text("一分钟")
    expect(links).to_have_count(2)


def test_the_medals_page_shows_the_catalogue_the_api_answers(tab: Tab, tourist: Any, web_http: Any) -> None:
    who = tourist()
    _, medals, _ = web_http.request("GET", "/v1/me/medals", token=who.access_token)
    log_in(tab, who, "/medals")
    todo = marked(tab, "medal-todo")
    expect(todo).to_have_count(len(medals["catalogue"]))  # nothing earned yet: every medal is still to earn
    expect(marked(tab, "medal")).to_have_count(0)
    expect(todo.first).to_contain_text(medals["catalogue"][0]["name"]["zh"])
    tab.check("medals")


def test_a_tourist_donates_coins_to_a_project(tab: Tab, h5: Any, tourist: Any, web_http: Any) -> None:
    who = tourist()
    _claimed(web_http, who, h5.room)
    log_in(tab, who, "/projects")
    project = marked(tab, "project").filter(has_text=h5.project_name)
    project.wait_for()
    tab.check("projects")
    keys: list[str] = []  # the Idempotency-Key of each donation sent: required, fresh per intent
    tab.page.on("request", lambda r: keys.append(r.headers.get("idempotency-key", ""))
                if r.method == "POST" and r.url.endswith("/v1/donations") else None)

    def give_one(check: str | None) -> None:
        project.locator('input[data-test="donate-amount"], [data-test="donate-amount"] input').fill("1")
        with tab.page.expect_response(lambda r: r.url.endswith("/v1/donations")) as answered:
            project.locator('[data-test="donate"]').click()
            if tab.page.locator(".van-dialog").is_visible():
                if check:
                    tab.check("donate-confirm")
                tab.page.locator(".van-dialog__confirm").click()
        assert answered.value.status == 201
        expect(project.locator('[data-test="donate-result"]')).to_contain_text("感谢您捐赠 1 碳币")

    give_one("donate-confirm")
    tab.check("donated")
    give_one(None)  # a second donation of the same amount is a new intent: a new key, a new donation
    assert len(keys) == 2 and all(len(k) >= 16 for k in keys) and keys[0] != keys[1], keys
    _, mine, _ = web_http.request("GET", "/v1/me/donations", token=who.access_token)
    assert [d["project_id"] for d in mine["items"]] == [h5.project_id] * 2


def test_the_certificate_downloads_as_a_pdf(tab: Tab, h5: Any, tourist: Any, web_http: Any) -> None:
    who = tourist()
    _claimed(web_http, who, h5.room)
    log_in(tab, who, "/certificate")
    button = marked(tab, "certificate-download")
    button.wait_for()
    tab.check("certificate")
    with tab.page.expect_response(lambda r: "/v1/me/certificate.pdf" in r.url) as answered, \
            tab.page.expect_download() as downloading:
        button.click()
    assert answered.value.status == 200
    certificate_id = answered.value.headers.get("x-certificate-id")
    pdf = Path(downloading.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF-"), pdf[:20]
    assert downloading.value.suggested_filename.endswith(".pdf")
    # its QR's public check, as a person opens it: a page, not JSON
    assert certificate_id
    reply = tab.goto(f"/v1/certificates/{certificate_id}")
    assert reply.status == 200 and "text/html" in reply.headers["content-type"]
    shown = tab.page.locator("body").inner_text()
    assert CJK.search(shown.strip().splitlines()[0]) and not shown.lstrip().startswith("{"), shown[:300]
    assert certificate_id in shown, "the page names the certificate it checks"
    tab.check("certificate-check")


# ------------------------------------------------------------------------------- bad input
def _spoil_session(tab: Tab) -> None:
    """The stored access token stops being good (revoked, or expired by the server's clock while
    the phone slept) and the page is opened again, as a tourist comes back to it."""
    tab.page.evaluate(
        """key => { const s = JSON.parse(localStorage.getItem(key));
                    s.access_token = s.access_token.slice(0, -8) + 'AAAAAAAA';
                    localStorage.setItem(key, JSON.stringify(s)); }""",
        SESSION_KEY,
    )
    tab.page.reload()


def test_an_access_token_that_went_bad_mid_claim_is_refreshed_and_the_claim_happens(
    tab: Tab, h5: Any, tourist: Any
) -> None:
    tab.allow(r"status of 401")
    log_in(tab, tourist(), "/")
    tab.goto(h5.ticket())
    marked(tab, "claim").wait_for()
    tab.page.wait_for_load_state("networkidle")  # the home page's reads are over before counting
    sent = api_requests(tab)
    _spoil_session(tab)  # as if it had been revoked or expired on the server's clock
    marked(tab, "claim").click()
    assert "领取成功" in claim_result(tab)
    assert sent == ["POST /v1/claims", "POST /v1/auth/refresh", "POST /v1/claims"], sent
    tab.check("claimed-after-refresh")


def test_a_session_lost_mid_claim_asks_to_log_in_and_then_claims(tab: Tab, h5: Any, tourist: Any) -> None:
    tab.allow(r"status of 40[013]")
    who = tourist()
    log_in(tab, who, "/")
    code = h5.ticket()
    tab.goto(code)
    marked(tab, "claim").wait_for()
    _spoil_session(tab)
    tab.page.context.clear_cookies()  # the refresh cookie is gone too (logged out elsewhere, expired)
    marked(tab, "claim").click()
    # asked to log in: on the login page (?next= the code) or right on the code's page
    field(tab, "phone").wait_for()
    tab.check("asked-to-log-in")
    if urlsplit(tab.page.url).path == code:
        # the code page's form says why, and is the login form already
        expect(tab.page.get_by_text("登录已过期，请重新登录")).to_be_visible()
    else:
        assert re.search(r"/login\?next=", tab.page.url), tab.page.url
    field(tab, "phone").fill(as_typed(who.phone))
    field(tab, "password").fill(who.password)
    marked(tab, "submit").click()
    tab.page.wait_for_url(tab.base_url + code)
    assert "领取成功" in claim_result(tab)  # by itself: no second scan, no second tap
    tab.check("claimed-after-login")


def test_a_forged_code_answers_404_with_a_chinese_first_page(tab: Tab, h5: Any) -> None:
    tab.allow(r"status of 404")
    real = h5.ticket()
    token = real.rsplit("/", 1)[-1]
    forged = real[: -len(token)] + token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    reply = tab.goto(forged)
    assert reply.status == 404
    text = tab.page.locator("body").inner_text().strip()
    first_line = next(line for line in text.splitlines() if line.strip())
    assert CJK.search(first_line), f"not Chinese first: {text[:200]!r}"
    assert "无效" in text
    assert marked(tab, "claim").count() == 0
    tab.check("forged-code")


def test_an_unknown_page_is_a_chinese_page_not_found(tab: Tab) -> None:
    tab.goto("/no-such-page")
    tab.page.get_by_text("页面不存在").first.wait_for()
    tab.check("not-found")


def test_with_the_api_down_pages_say_so_and_offer_retry(tab: Tab, h5: Any, tourist: Any) -> None:
    tab.allow(r"ERR_FAILED|ERR_CONNECTION|Failed to fetch|net::")
    log_in(tab, tourist(), "/")
    tab.page.route("**/v1/**", lambda route: route.abort("connectionrefused"))
    tab.goto("/wallet")
    retry = tab.page.get_by_role("button", name="重试")
    retry.wait_for()
    assert CJK.search(tab.page.locator("body").inner_text())
    tab.check("wallet-api-down")

    tab.goto(h5.ticket())
    marked(tab, "claim").click()
    tab.page.get_by_text(re.compile("连不上服务器|重试")).first.wait_for()
    tab.check("claim-api-down")

    tab.page.unroute("**/v1/**")
    tab.goto("/wallet")
    marked(tab, "balance").wait_for()
    retry.wait_for(state="detached")


# ---------------------------------------------------------------------------------- HEAD
ROUTER = Path(__file__).resolve().parents[2] / "web" / "src" / "router.ts"


def page_paths() -> list[str]:
    """Every page of the H5's router (web/src/router.ts), but the not-found catch-all: a page added
    there is HEAD-checked here without anyone listing it."""
    paths = re.findall(r"\{ path: '([^']+)'", ROUTER.read_text(encoding="utf-8"))
    return [p for p in dict.fromkeys(paths) if "(.*)" not in p]


@pytest.mark.parametrize("path", [*page_paths(), "CERTIFICATE"])
def test_every_page_answers_head(path: str, web_http: Any, h5: Any, tourist: Any) -> None:
    from tests import factories

    if path == "/Q/:token":
        path = h5.ticket()
    elif path == "/01/:gtin/21/:token":  # a packaging code, as a product's label carries it
        product = factories.make_asset(h5.partners["scenic_spot"].partner_id, "product_sku")
        path = urlsplit(factories.single_use(product)[0]).path
        assert path.startswith("/01/"), path
    elif path == "CERTIFICATE":
        who = tourist()
        _claimed(web_http, who, h5.room)
        year = datetime.now(ZoneInfo("Asia/Shanghai")).year
        status, _, headers = web_http.request("GET", f"/v1/me/certificate.pdf?period={year}",
                                              token=who.access_token)
        assert status == 200
        path = f"/v1/certificates/{headers['X-Certificate-Id']}"
    else:
        path = path.replace(":offerId", h5.offer_id).replace(":voucherId", "V" * 16)
    assert ":" not in path, f"a page with a parameter this test does not fill: {path}"
    status, headers = web_http.head(path)
    assert status == 200, (path, status)
    assert "text/html" in headers.get("Content-Type", ""), (path, headers)


def test_a_forged_code_answers_head_with_404(web_http: Any, h5: Any) -> None:
    real = h5.ticket()
    status, _ = web_http.head(real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB"))
    assert status == 404

