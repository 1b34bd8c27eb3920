"""Closing an account on the Me page (注销账号): the dialog says, Chinese first, what is deleted and
what is kept, asks what becomes of the coins and for the password; a wrong password is refused in
the error table's words; closed, the page shows the closing's reference and the login is gone."""

from __future__ import annotations

from typing import Any

from tests.browser.support import Tab, expect
from tests.browser.test_tourist_h5 import _claimed, log_in, marked


def test_a_tourist_closes_their_account_from_the_me_page(
    tab: Tab, h5: Any, tourist: Any, web_http: Any
) -> None:
    who = tourist()
    _claimed(web_http, who, h5.ticket())
    _, wallet, _ = web_http.request("GET", "/v1/me/wallet", token=who.access_token)
    log_in(tab, who, "/me")
    button = marked(tab, "close-account")
    expect(button).to_contain_text("注销账号")
    button.click()
    dialog = tab.page.locator(".van-dialog").filter(has_text="确认注销账号")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("将删除")  # what goes, said before it goes
    expect(dialog).to_contain_text("将保留")  # and what stays, without the person
    expect(dialog).to_contain_text(f"未使用的 {wallet['coins']} 碳币")
    tab.check("close-dialog")

    tab.allow(r"status of 401")  # the browser logs the refused request
    dialog.locator('[data-test="close-password"] input').fill("not-my-password")
    dialog.get_by_role("button", name="确认注销").click()
    expect(marked(tab, "close-error")).to_be_visible()
    assert web_http.request("GET", "/v1/me", token=who.access_token)[0] == 200  # nothing closed

    dialog.locator('[data-test="close-password"] input').fill(who.password)
    with tab.page.expect_response(lambda r: r.url.endswith("/v1/me/account/close")) as answered:
        dialog.get_by_role("button", name="确认注销").click()
    assert answered.value.status == 201
    closed = answered.value.json()
    expect(marked(tab, "account-closed")).to_contain_text("账号已注销")
    expect(marked(tab, "closure-id")).to_have_text(closed["closure_id"])
    assert closed["coins_forfeited"] == wallet["coins"]
    expect(marked(tab, "profile-name")).to_have_count(0)  # nothing of the person is left on the page
    tab.check("account-closed")
    again = {"phone": who.phone, "password": who.password}
    status, body, _ = web_http.request("POST", "/v1/auth/login", again)
    assert (status, body["error"]["code"]) == (401, "invalid_credentials")
