"""Coin expiry on the pages (积分有效期): the operator reads and sets the policy on the console's
碳币有效期 page (a confirmation first, then the new version in the history), and a tourist's wallet
says, Chinese first, how many coins expire on which day. Each test leaves no policy in force."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.browser.conftest import _login, console_login
from tests.browser.support import Tab, expect
from tests.browser.test_tourist_h5 import _claimed, log_in, marked


def _no_expiry(web_http: Any, token: str) -> None:
    status, body, _ = web_http.request("PUT", "/v1/admin/coin-policy", {"expiry": "none"}, token=token)
    assert status == 200, body


def test_given_the_operator_when_setting_the_coin_expiry_then_confirmed_saved_and_listed(
    desk, console_admin, web_http
):
    token = _login(web_http, console_admin.phone, console_admin.password)
    try:
        console_login(desk, console_admin, "/operator/coin-policy")
        page = desk.page
        expect(page.get_by_role("heading", name="碳币有效期")).to_be_visible()
        expect(page.locator('[data-test="policy-current"]')).to_be_visible()
        desk.check("coin-policy")

        page.locator('[data-test="policy-expiry"]').get_by_text("获得后第 N 年年底过期").click()
        years = page.locator('[data-test="policy-years"] input')
        years.fill("2")
        years.press("Tab")
        page.locator('[data-test="policy-save"]').click()
        box = page.get_by_role("dialog", name="修改碳币有效期")
        expect(box).to_contain_text("其后第 2 年年底过期")
        desk.check("coin-policy-confirm")
        box.get_by_role("button", name="保存规则", exact=True).click()

        status, body, _ = web_http.request("GET", "/v1/admin/coin-policy", token=token)
        assert status == 200, body
        expect(page.locator('[data-test="policy-versions"]')).to_contain_text(f"v{body['current']['version']}")
        assert (body["current"]["expiry"], body["current"]["years"]) == ("years_after", 2), body
        expect(page.locator('[data-test="policy-current"]')).to_contain_text("其后第 2 年年底过期")
        desk.check("coin-policy-saved")
    finally:
        _no_expiry(web_http, token)


def test_the_wallet_says_how_many_coins_expire_on_which_day(
    tab: Tab, h5: Any, tourist: Any, web_http: Any, console_admin: Any
) -> None:
    token = _login(web_http, console_admin.phone, console_admin.password)
    status, _, _ = web_http.request("PUT", "/v1/admin/coin-policy", {"expiry": "end_of_next_year"},
                                    token=token)
    assert status == 200
    try:
        who = tourist()
        _claimed(web_http, who, h5.ticket())
        _, wallet, _ = web_http.request("GET", "/v1/me/wallet", token=who.access_token)
        year = (datetime.now(UTC) + timedelta(hours=8)).year + 1  # this Beijing year's coins: its next's end
        assert wallet["next_expiry"] == {"coins": wallet["coins"], "at": f"{year}-12-31T16:00:00Z"}, wallet
        log_in(tab, who, "/wallet")
        expect(marked(tab, "next-expiry")).to_have_text(f"{wallet['coins']} 个碳币将于 {year}-12-31 到期")
        tab.check("wallet-expiry")
    finally:
        _no_expiry(web_http, token)


def test_coins_already_past_their_expiry_are_said_to_go_today(
    tab: Tab, h5: Any, tourist: Any, web_http: Any, console_admin: Any
) -> None:
    from tanhui.claims import scan
    from tanhui.claims.schemas import ClaimIn

    token = _login(web_http, console_admin.phone, console_admin.password)
    status, _, _ = web_http.request("PUT", "/v1/admin/coin-policy", {"expiry": "end_of_next_year"},
                                    token=token)
    assert status == 200
    try:
        who = tourist()
        _, me, _ = web_http.request("GET", "/v1/me", token=who.access_token)
        code = h5.ticket().rsplit("/", 1)[-1]
        scan.claim(me["user_id"], ClaimIn(code=code), at=datetime(2024, 6, 1, 2, tzinfo=UTC))  # 2024's lot
        log_in(tab, who, "/wallet")
        expect(marked(tab, "next-expiry")).to_have_text("1 个碳币已于 2025-12-31 到期，将在今日扣除")
        tab.check("wallet-expired-due")
    finally:
        _no_expiry(web_http, token)
