"""The tourist's H5 pages test_tourist_h5.py does not walk, at 390×844 and 360×640: the home page,
the offers, the leaderboard, the Me page and logout (which revokes the refresh token), the register
page; the English switch on a code's page (the page and the API's error in English); a voucher's
own code scanned (show it at the till); and a redemption whose answer was lost, bought again after
重试 with the same Idempotency-Key (one voucher, coins taken once). Every page is screenshotted
into artifacts/ and checked by axe-core."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.support import Tab, Tourist, expect
from tests.browser.test_tourist_h5 import _claimed, as_typed, field, log_in, marked

HAN = re.compile(r"[\u4e00-\u9fff]")
SESSION_KEY = "tanhui.session"


def _path(url: str) -> str:
    return url[url.index("/", len("https://")):]


def test_home_offers_leaderboard_and_me_pages_then_logout_revokes_the_session(
    tab: Tab, h5: Any, tourist: Any, web_http: Any, context: Any
) -> None:
    who = tourist()
    _claimed(web_http, who, h5.room)
    _, wallet, _ = web_http.request("GET", "/v1/me/wallet", token=who.access_token)
    log_in(tab, who, "/")
    expect(marked(tab, "balance")).to_contain_text(str(wallet["coins"]))
    tab.check("home")

    tab.goto("/offers")
    marked(tab, "offer").first.wait_for()
    tab.check("offers")

    tab.goto("/leaderboard")
    marked(tab, "my-rank").wait_for()
    tab.check("leaderboard")

    tab.goto("/me")
    logout = marked(tab, "logout")
    logout.wait_for()
    tab.page.wait_for_load_state("networkidle")
    tab.check("me")
    (refresh,) = [c["value"] for c in context.cookies() if c["name"] == "tanhui_refresh"]
    with tab.page.expect_response(lambda r: r.url.endswith("/v1/auth/logout")) as answered:
        logout.click()
    assert answered.value.status == 204
    tab.page.wait_for_url(tab.base_url + "/")
    assert tab.page.evaluate("key => localStorage.getItem(key)", SESSION_KEY) is None
    assert not [c for c in context.cookies() if c["name"] == "tanhui_refresh" and c["value"]]
    # the refresh token the phone held is revoked, not only forgotten by the page
    status, body, _ = web_http.request("POST", "/v1/auth/refresh", {},
                                       headers={"x-session": "cookie", "cookie": f"tanhui_refresh={refresh}"})
    assert status == 401, body
    tab.goto("/wallet")
    tab.page.wait_for_url(re.compile(r"/login\?next=(%2F|/)wallet$"))

    tab.goto("/register")
    field(tab, "phone").wait_for()
    tab.check("register")


def test_the_english_switch_turns_a_code_page_and_the_apis_errors_into_english(
    tab: Tab, h5: Any, tourist: Any
) -> None:
    who: Tourist = tourist()
    tab.allow(r"status of 401")  # the wrong password, on purpose
    tab.goto(h5.ticket())
    field(tab, "phone").wait_for()
    marked(tab, "lang").click()
    expect(tab.page.locator("html")).to_have_attribute("lang", re.compile("^en"))
    expect(tab.page.get_by_text("Reward").first).to_be_visible()
    tab.page.locator(".auth-form__switch").click()  # the form opens on register: to log in
    login = marked(tab, "submit")
    expect(login).to_have_text("Log in")
    field(tab, "phone").fill(as_typed(who.phone))
    field(tab, "password").fill("not-the-password")
    login.click()
    error = marked(tab, "auth-error")
    expect(error).to_have_text("Wrong phone number or password.")
    tab.check("code-page-english-error")
    field(tab, "password").fill(who.password)
    login.click()
    result = marked(tab, "claim-result")
    expect(result).to_contain_text("coins credited")
    assert not HAN.search(result.inner_text()), result.inner_text()
    tab.check("code-page-english-claimed")


def test_a_vouchers_own_code_scanned_says_show_it_at_the_till(
    tab: Tab, h5: Any, tourist: Any, web_http: Any
) -> None:
    who = tourist()
    _claimed(web_http, who, h5.room)
    status, voucher, _ = web_http.request("POST", "/v1/redemptions", {"offer_id": h5.offer_id},
                                          token=who.access_token,
                                          headers={"idempotency-key": f"show-at-till-{who.phone}"})
    assert status == 201, voucher
    _, mine, _ = web_http.request("GET", "/v1/me/vouchers", token=who.access_token)
    (code,) = [v["code"] for v in mine["items"] if v["voucher_id"] == voucher["voucher_id"]]
    tab.goto(_path(code))
    expect(marked(tab, "voucher-note")).to_contain_text("请在收银台出示")
    expect(marked(tab, "claim")).to_have_count(0)
    expect(field(tab, "phone")).to_have_count(0)  # nobody logs in to show a voucher
    tab.check("voucher-code")


def test_a_redemption_whose_answer_was_lost_is_retried_and_buys_once(
    tab: Tab, h5: Any, tourist: Any, web_http: Any
) -> None:
    who = tourist()
    _claimed(web_http, who, h5.room)
    _, before, _ = web_http.request("GET", "/v1/me/wallet", token=who.access_token)
    tab.allow(r"ERR_CONNECTION|ERR_FAILED|Failed to fetch|net::")
    keys: list[str] = []

    def lose_the_first_answer(route: Any) -> None:
        keys.append(route.request.headers.get("idempotency-key", ""))
        if len(keys) == 1:
            route.fetch()  # the API redeems: the coins are taken and the voucher made
            route.abort("connectionreset")  # and the phone never hears it (a tunnel, a lift)
        else:
            route.continue_()

    tab.page.route("**/v1/redemptions", lose_the_first_answer)
    log_in(tab, who, f"/offers/{h5.offer_id}")

    def redeem() -> None:
        marked(tab, "redeem").click()
        if tab.page.locator(".van-dialog").is_visible():
            tab.page.get_by_role("button", name=re.compile("确认|兑换")).last.click()

    redeem()
    retry = marked(tab, "retry")
    retry.wait_for()  # the outage page, in place of the offer
    tab.check("redemption-answer-lost")
    retry.click()
    marked(tab, "redeem").wait_for()
    redeem()
    tab.page.wait_for_url(re.compile(r"/vouchers/[^/?]+"))
    marked(tab, "voucher-qr").wait_for()
    assert len(keys) == 2 and keys[0] and keys[0] == keys[1], keys
    _, mine, _ = web_http.request("GET", "/v1/me/vouchers", token=who.access_token)
    assert [v["voucher_id"] for v in mine["items"]] == [tab.page.url.rsplit("/", 1)[-1].split("?")[0]]
    _, after, _ = web_http.request("GET", "/v1/me/wallet", token=who.access_token)
    assert after["coins"] == before["coins"] - 1  # the offer costs one coin: taken once
    tab.check("redeemed-once")


def test_the_ledger_pages_on_with_the_apis_cursor_to_its_end(
    tab: Tab, h5: Any, tourist: Any, web_http: Any
) -> None:
    who = tourist()
    _claimed(web_http, who, h5.ticket())
    _claimed(web_http, who, h5.room)
    pages: list[str] = []

    def one_entry_a_page(route: Any) -> None:  # pages of one entry, so that two entries are two pages
        url = re.sub(r"limit=\d+", "limit=1", route.request.url)
        pages.append(url)
        route.continue_(url=url)

    tab.page.route(re.compile(r".*/v1/me/ledger\?.*"), one_entry_a_page)
    log_in(tab, who, "/wallet")
    items = marked(tab, "ledger-item")
    expect(items).to_have_count(1)
    more = marked(tab, "ledger-more")
    expect(more).to_have_text(re.compile("加载更多"))
    tab.check("ledger-first-page")
    more.click()
    expect(items).to_have_count(2)
    assert "cursor=" in pages[-1], pages
    if more.count():  # a third request finds the end (the second page's cursor may not know it yet)
        more.click()
    expect(more).to_have_count(0)
    expect(items).to_have_count(2)
    tab.check("ledger-end")
