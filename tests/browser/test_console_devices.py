"""The on-board screen (/console/screen/<vehicle>): a tablet fixed in a boat shows the vehicle's
rotating code, which changes on its step and still claims; it says so when the network is cut and
recovers by itself; its access token expiring (or refused) while it stays open does not stop it.
The step is made short (ROTATING_STEP_SECONDS, read by the same in-process API the page calls), so
the page sees real steps go by; its loop is not faked."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests import factories
from tests.browser.conftest import Staff, console_login
from tests.browser.support import TABLET, Tab, expect

STEP_SECONDS = 5
BOAT = {"vehicle_type": "boat", "plate": "锦江 08 Jinjiang", "route_km": 8.4}


@pytest.fixture
def short_step(web_stack: Any) -> Iterator[int]:
    """Rotating codes of STEP_SECONDS for this test (the API runs in this process)."""
    from tanhui.config import get_settings

    before = os.environ.get("ROTATING_STEP_SECONDS")
    os.environ["ROTATING_STEP_SECONDS"] = str(STEP_SECONDS)
    get_settings.cache_clear()
    yield STEP_SECONDS
    if before is None:
        os.environ.pop("ROTATING_STEP_SECONDS", None)
    else:
        os.environ["ROTATING_STEP_SECONDS"] = before
    get_settings.cache_clear()


def open_screen(tab: Tab, depot: Staff, asset_id: str) -> None:
    """Signs in as the depot's staff do on the tablet, then opens the vehicle's screen."""
    console_login(tab, depot)
    tab.goto(f"/console/screen/{asset_id}")


def boat_screen(desk_at: Any, staff_of: Any) -> tuple[Tab, Any]:
    """A depot's boat, and its screen open on the tablet fixed in it."""
    depot = staff_of("transport_operator", "丹霞环保游船")
    boat = factories.make_asset(depot.partner_id, "vehicle", attributes=BOAT)
    tab = desk_at(TABLET)
    open_screen(tab, depot, boat.asset_id)
    return tab, boat


def next_step(tab: Tab, after: str) -> None:
    """Waits for the screen to show the code of a step after `after`."""
    expect(tab.page.locator('[data-test="screen-qr"]')).not_to_have_attribute(
        "data-step", after, timeout=(STEP_SECONDS + 5) * 1000)


def step_of(tab: Tab) -> str:
    qr = tab.page.locator('[data-test="screen-qr"]')
    qr.wait_for()
    return qr.get_attribute("data-step") or ""


def renewal(response: Any) -> bool:
    return bool(response.url.endswith("/v1/auth/refresh"))


def scanned(tab: Tab) -> str:
    """What a tourist's phone reads off the screen: the QR decoded from a screenshot of it (with
    the white of the screen around it as the quiet zone)."""
    import cv2
    import numpy as np

    qr = tab.page.locator('[data-test="screen-qr"]')
    qr.wait_for()
    tab.page.wait_for_function("""() => {
        const img = document.querySelector('[data-test="screen-qr"]');
        return img && img.complete && img.naturalWidth > 0;
    }""")
    for _ in range(3):  # a screenshot taken as the code changes step shows half of each
        image = cv2.imdecode(np.frombuffer(qr.screenshot(), np.uint8), cv2.IMREAD_GRAYSCALE)
        assert image is not None
        image = cv2.copyMakeBorder(image, 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=255)
        text, _, _ = cv2.QRCodeDetector().detectAndDecode(image)
        if text:
            return str(text)
    raise AssertionError("the QR on the screen did not decode")


def test_given_a_boats_screen_when_a_step_goes_by_then_a_new_code_shows_and_it_claims(
    desk_at, staff_of, tourist, web_http, short_step,
):
    rider = tourist("小林")
    tab, boat = boat_screen(desk_at, staff_of)

    expect(tab.page.locator('[data-test="screen-vehicle"]')).to_have_text(boat.name)
    expect(tab.page.get_by_text("扫码领碳币")).to_be_visible()
    expect(tab.page.get_by_text("Scan for carbon coins")).to_be_visible()
    expect(tab.page.locator('[data-test="screen-short"]')).not_to_have_text("—")
    first = step_of(tab)
    first_code = scanned(tab)
    expect(tab.page.locator('[data-test="screen-countdown"]')).to_contain_text("秒后更新")
    tab.check("screen")

    next_step(tab, first)
    code = scanned(tab)
    assert code != first_code and "/Q/" in code
    status, claim, _ = web_http.post("/v1/claims", {"code": code}, token=rider.access_token)
    assert status == 201, claim
    assert claim["coins"] > 0 and claim["behaviour"] == "eco_vehicle_ride"
    tab.check("screen-next-step")


def _with_script(tab: Tab, script: str) -> Tab:
    tab.page.add_init_script(script)
    return tab


def test_given_a_tablet_whose_clock_is_an_hour_late_then_the_screen_keeps_the_servers_time(
    desk_at, staff_of, short_step,
):
    late = "(() => { const real = Date.now; Date.now = () => real() - 3600 * 1000; })()"
    tab, _ = boat_screen(lambda screen: _with_script(desk_at(screen), late), staff_of)
    first = step_of(tab)
    left = tab.page.locator('[data-test="screen-countdown"]').inner_text()
    assert left == "正在更新…" or 0 < int(left.split()[0]) <= STEP_SECONDS, left
    next_step(tab, first)


def test_given_the_network_cut_then_the_screen_says_so_drops_the_stale_code_and_recovers_by_itself(
    desk_at, staff_of, short_step,
):
    tab, _ = boat_screen(desk_at, staff_of)
    tab.allow(r"ERR_INTERNET_DISCONNECTED", r"Failed to fetch", r"ERR_NETWORK_CHANGED")
    before = step_of(tab)

    tab.page.context.set_offline(True)
    expect(tab.page.locator('[data-test="screen-offline"]')).to_have_text("网络中断，正在重连")
    tab.check("offline")
    # the last code stays while a claim of it is accepted (one step after its own), then goes
    expect(tab.page.locator('[data-test="screen-qr"]')).to_be_hidden(timeout=(3 * STEP_SECONDS + 3) * 1000)
    expect(tab.page.locator('[data-test="screen-stale"]')).to_be_visible()
    tab.check("offline-stale")

    tab.page.context.set_offline(False)
    expect(tab.page.locator('[data-test="screen-qr"]')).to_be_visible(timeout=(STEP_SECONDS + 5) * 1000)
    expect(tab.page.locator('[data-test="screen-offline"]')).to_have_text("")
    assert step_of(tab) != before
    tab.check("recovered")


def test_given_the_access_token_expired_or_refused_while_the_screen_stays_open_then_it_renews_and_goes_on(
    desk_at, staff_of, short_step,
):
    tab, boat = boat_screen(desk_at, staff_of)
    tab.allow(r"status of 401")
    page = tab.page
    step_of(tab)

    # the stored session's access token has expired (as after an hour on the road): the page's
    # next call renews it through the refresh cookie first; then a token the API refuses (401)
    # while it looks fresh: one refresh and the call again
    for change in ({"expires_in_ms": -1000},
                   {"expires_in_ms": 3600_000, "access_token": "eyJhbGciOiJSUzI1NiJ9.e30.revoked"}):
        with page.expect_response(renewal, timeout=(STEP_SECONDS + 5) * 1000) as renewed:
            page.evaluate("""change => {
                const s = JSON.parse(localStorage.getItem('tanhui.session'));
                s.expires_at = Date.now() + change.expires_in_ms;
                if (change.access_token) s.access_token = change.access_token;
                localStorage.setItem('tanhui.session', JSON.stringify(s));
                window.dispatchEvent(new StorageEvent('storage', {key: 'tanhui.session'}));
            }""", change)
        assert renewed.value.status == 200, change
        next_step(tab, step_of(tab))
    expect(page).to_have_url(f"{tab.base_url}/console/screen/{boat.asset_id}")
    expect(page.locator('[data-test="screen-offline"]')).to_have_text("")
    tab.check("after-renewals")


def test_given_another_operators_vehicle_then_neither_its_screen_nor_its_list_shows_it(desk_at, staff_of):
    depot = staff_of("transport_operator", "丹霞环保游船")
    boat = factories.make_asset(depot.partner_id, "vehicle", attributes=BOAT)
    other = staff_of("transport_operator", "锦江公交")
    bus = factories.make_asset(other.partner_id, "vehicle",
                               attributes={**BOAT, "vehicle_type": "bus", "plate": "粤F·B2046"})
    tab = desk_at(TABLET)
    tab.allow(r"status of 404")

    console_login(tab, other, "/screens")
    expect(tab.page.locator(f'[data-test="open-screen-{bus.asset_id}"]')).to_be_visible()
    expect(tab.page.locator(f'[data-test="open-screen-{boat.asset_id}"]')).to_have_count(0)
    tab.check("screens-list")

    tab.goto(f"/console/screen/{boat.asset_id}")
    expect(tab.page.locator('[data-test="screen-problem"]')).to_contain_text("无法显示本车二维码")
    expect(tab.page.locator('[data-test="screen-qr"]')).to_have_count(0)
    tab.check("not-theirs")
