"""The console's frame (/console/): partner staff and the operator sign in with the H5's login,
see the pages of their role only, switch to English; a tourist gets no console."""

from __future__ import annotations

from tests.browser.conftest import console_login
from tests.browser.support import expect


def test_given_a_hotel_clerk_when_signing_in_then_the_hotels_frame_and_english_a_click_away(desk, staff_of):
    clerk = staff_of("hotel", "晨曦酒店")
    desk.goto("/console/")
    expect(desk.page).to_have_url(f"{desk.base_url}/console/login?next=/")
    desk.check("login")
    console_login(desk, clerk)
    expect(desk.page.locator('[data-test="who"]')).to_contain_text(clerk.name)
    expect(desk.page.locator('[data-test="who"]')).to_contain_text("酒店")
    desk.check("home")
    desk.page.locator('[data-test="lang"]').click()
    expect(desk.page.locator('[data-test="who"]')).to_contain_text("Hotel")
    expect(desk.page.locator('[data-test="logout"]')).to_have_text("Sign out")


def test_given_a_wrong_password_then_the_clerk_reads_why_in_chinese(desk, staff_of):
    clerk = staff_of("merchant")
    desk.allow(r"status of 401")
    desk.goto("/console/login")
    desk.page.locator('input[data-test="phone"]').fill(clerk.phone)
    desk.page.locator('input[data-test="password"]').fill("not-the-password")
    desk.page.locator('[data-test="submit"]').click()
    expect(desk.page.get_by_role("alert")).to_contain_text("密码")
    desk.check("login-refused")


def test_given_the_operator_when_signing_in_then_the_operators_frame(desk, console_admin):
    console_login(desk, console_admin)
    expect(desk.page.locator('[data-test="who"]')).to_contain_text("平台运营方")
    desk.check("operator-home")


def test_given_a_tourist_then_the_console_says_it_is_not_theirs(desk, tourist):
    from tests.browser.conftest import Staff

    someone = tourist()
    console_login(desk, Staff("tourist", someone.phone, someone.password))
    expect(desk.page.get_by_text("游客账号请在手机上打开碳惠")).to_be_visible()
    desk.check("tourist")


def test_given_a_signed_in_clerk_when_logging_out_then_the_console_asks_to_sign_in_again(desk, staff_of):
    clerk = staff_of("scenic_spot")
    console_login(desk, clerk)
    desk.page.locator('[data-test="logout"]').click()
    expect(desk.page).to_have_url(f"{desk.base_url}/console/login")
    desk.goto("/console/")
    expect(desk.page).to_have_url(f"{desk.base_url}/console/login?next=/")


def test_given_an_expired_token_when_the_refresh_gets_no_answer_then_the_session_stays(desk, staff_of):
    """A network that flaps while the access token expires (a till's Wi-Fi, a bus's tablet):
    the renewal that got no answer keeps the session; the next one renews it."""
    clerk = staff_of("merchant", "绿岛咖啡")
    console_login(desk, clerk)
    desk.allow(r"ERR_FAILED|ERR_INTERNET_DISCONNECTED|net::")
    expire = """() => { const s = JSON.parse(localStorage.getItem('tanhui.session'));
                      s.expires_at = 0; localStorage.setItem('tanhui.session', JSON.stringify(s)); }"""
    desk.page.evaluate(expire)
    desk.page.route("**/v1/auth/refresh", lambda route: route.abort("internetdisconnected"))
    desk.page.reload()
    expect(desk.page.get_by_role("alert")).to_contain_text("连不上服务器")
    assert "/console/login" not in desk.page.url
    assert desk.page.evaluate("() => localStorage.getItem('tanhui.session')") is not None
    desk.check("offline")
    desk.page.unroute("**/v1/auth/refresh")
    desk.page.locator('[data-test="retry"]').click()
    expect(desk.page.locator('[data-test="who"]')).to_contain_text(clerk.name)
