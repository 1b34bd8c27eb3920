"""The merchant's till (/console/till) on a tablet: a voucher a tourist bought is taken once by its
typed number, and a second time says used; by its QR held in front of the camera (Chromium's fake
camera playing a video made at test time from the voucher's own QR image); another merchant's,
an expired and an unknown voucher are refused in words; a refused camera leaves the typed path.
And the merchant's offers page: publish, change, withdraw."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from tests import factories
from tests.browser.conftest import Staff, _tab_in, console_login
from tests.browser.console_support import field
from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, DESK, PHONES, TABLET, Http, Tab, Tourist, expect


def buy_voucher(http: Http, merchant: Staff, buyer: Tourist, title: str = "低碳拿铁一杯") -> dict[str, Any]:
    """The merchant's offer (1 coin), a hotel night that earns the buyer coins, and the voucher
    the buyer redeems through the API."""
    from tanhui.spending import offers
    from tanhui.spending.schemas import OfferIn

    from infra.local.seed import DEMO_OFFER

    assert merchant.partner_id
    offer = offers.create(merchant.partner_id,
                          OfferIn.model_validate(DEMO_OFFER | {"coins_cost": 1, "title": title}))
    room = factories.make_asset(factories.partner_item("hotel"), "hotel_room")
    status, claim, _ = http.post("/v1/claims", {"code": factories.static(room)}, token=buyer.access_token)
    assert status == 201, claim
    status, voucher, _ = http.post("/v1/redemptions", {"offer_id": offer.offer_id}, token=buyer.access_token,
                                   headers={"Idempotency-Key": str(uuid.uuid4())})
    assert status == 201, voucher
    return dict(voucher)


def take(tab: Tab, typed: str) -> Any:
    field(tab.page, "till-code").fill(typed)
    tab.page.locator('[data-test="till-consume"]').click()
    return tab.page.locator('[data-test="till-result"]')


def test_given_a_tourists_voucher_when_the_till_types_its_number_then_it_is_taken_once_and_then_says_used(
    desk_at, staff_of, tourist, web_http,
):
    cafe = staff_of("merchant", "碳惠联盟咖啡")
    tea = staff_of("merchant", "丹霞茶铺")
    buyer = tourist("小林")
    voucher = buy_voucher(web_http, cafe, buyer)
    tea_buyer = tourist("小王")
    teas = buy_voucher(web_http, tea, tea_buyer, "红茶一壶")
    tab = desk_at(TABLET)
    tab.allow(r"status of 409", r"status of 403", r"status of 404", r"status of 410")
    console_login(tab, cafe, "/till")
    tab.check("till")

    result = take(tab, voucher["short"])
    expect(result).to_have_attribute("data-verdict", "consumed")
    expect(result).to_contain_text("核销成功")
    expect(result).to_contain_text("Consumed")
    expect(tab.page.locator('[data-test="till-what"]')).to_have_text("低碳拿铁一杯")
    expect(tab.page.locator('[data-test="till-who"]')).to_have_text("顾客：小林")
    tab.check("consumed")
    status, mine, _ = web_http.get(f"/v1/me/vouchers/{voucher['voucher_id']}", token=buyer.access_token)
    assert (status, mine["status"]) == (200, "consumed")

    result = take(tab, voucher["short"].replace("-", " ").lower())  # as a clerk types it off the phone
    expect(result).to_have_attribute("data-verdict", "used")
    expect(result).to_contain_text("这张券已经用过了")
    expect(result).to_contain_text("This voucher has already been used")
    tab.check("used")

    result = take(tab, teas["short"])
    expect(result).to_have_attribute("data-verdict", "other_merchant")
    expect(result).to_contain_text("这张券不是本店的")
    tab.check("another-merchants")
    status, still, _ = web_http.get(f"/v1/me/vouchers/{teas['voucher_id']}", token=tea_buyer.access_token)
    assert (status, still["status"]) == (200, "issued")  # refused, not taken

    result = take(tab, "0000-0000-0000-0000")
    expect(result).to_have_attribute("data-verdict", "not_found")
    expect(result).to_contain_text("券码无效")
    tab.check("unknown")

    field(tab.page, "till-code").fill("")
    tab.page.locator('[data-test="till-consume"]').click()
    expect(tab.page.get_by_text("请输入券号或扫码")).to_be_visible()
    tab.check("nothing-typed")


def test_given_the_till_on_a_phone_then_the_number_is_typed_and_the_answer_read_in_english_too(
    desk_at, staff_of, tourist, web_http,
):
    cafe = staff_of("merchant", "碳惠联盟咖啡")
    voucher = buy_voucher(web_http, cafe, tourist("Lin"))
    tab = desk_at(PHONES[0])
    console_login(tab, cafe, "/till")
    tab.page.locator('[data-test="lang"]').click()
    expect(tab.page.get_by_role("heading", name="Till")).to_be_visible()
    result = take(tab, voucher["short"])
    expect(result).to_contain_text("Consumed")
    expect(result).to_contain_text("核销成功")
    expect(tab.page.locator('[data-test="till-who"]')).to_have_text("Customer: Lin")
    tab.check("phone-consumed-en")


def test_given_an_expired_voucher_then_the_till_says_expired(desk_at, staff_of, tourist, web_http):
    from tanhui.models.offers import Voucher

    cafe = staff_of("merchant", "碳惠联盟咖啡")
    voucher = buy_voucher(web_http, cafe, tourist("小林"))
    item = Voucher.get(*Voucher.key(voucher["voucher_id"]))
    item.update(actions=[Voucher.valid_until.set("2026-01-31T00:00:00.000Z")])  # a month unused
    tab = desk_at(TABLET)
    tab.allow(r"status of 410")
    console_login(tab, cafe, "/till")
    result = take(tab, voucher["short"])
    expect(result).to_have_attribute("data-verdict", "expired")
    expect(result).to_contain_text("这张券已过期")
    expect(result).to_contain_text("碳币会退回给顾客")
    tab.check("expired")


def test_given_the_network_lost_at_the_till_then_it_says_not_known_and_the_retry_takes_the_voucher(
    desk_at, staff_of, tourist, web_http,
):
    cafe = staff_of("merchant", "碳惠联盟咖啡")
    voucher = buy_voucher(web_http, cafe, tourist("小林"))
    tab = desk_at(TABLET)
    tab.allow(r"ERR_INTERNET_DISCONNECTED", r"Failed to fetch")
    console_login(tab, cafe, "/till")
    tab.page.context.set_offline(True)
    result = take(tab, voucher["short"])
    expect(result).to_have_attribute("data-verdict", "network")
    expect(result).to_contain_text("网络中断")
    tab.check("network-lost")
    tab.page.context.set_offline(False)
    tab.page.locator('[data-test="till-retry"]').click()
    expect(result).to_have_attribute("data-verdict", "consumed")

    # the answer is lost after the server took the voucher: the retry (same Idempotency-Key) is
    # answered with that consumption, not "already used"
    second = buy_voucher(web_http, cafe, tourist("小王"))

    def lose_answer(route: Any) -> None:
        route.fetch()
        route.abort("internetdisconnected")

    tab.page.route("**/v1/partner/vouchers/consume", lose_answer, times=1)
    result = take(tab, second["short"])
    expect(result).to_have_attribute("data-verdict", "network")
    tab.page.locator('[data-test="till-retry"]').click()
    expect(result).to_have_attribute("data-verdict", "consumed")
    expect(tab.page.locator('[data-test="till-who"]')).to_have_text("顾客：小王")


def y4m_of(png: bytes, path: Path, width: int = 640, height: int = 480, frames: int = 10) -> Path:
    """A short YUV4MPEG2 video (what Chromium's fake camera plays, looping) of the QR image on
    a white counter, as a phone is held up to the till's camera."""
    import cv2
    import numpy as np

    qr = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    assert qr is not None
    side = min(width, height) - 80
    frame = np.full((height, width, 3), 255, np.uint8)
    top, left = (height - side) // 2, (width - side) // 2
    frame[top:top + side, left:left + side] = cv2.resize(qr, (side, side), interpolation=cv2.INTER_NEAREST)
    planes = cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes()
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)
    return path


def test_given_the_vouchers_qr_in_front_of_the_camera_then_the_till_takes_it(
    browser, web_stack, staff_of, tourist, web_http, request, tmp_path,
):
    cafe = staff_of("merchant", "碳惠联盟咖啡")
    buyer = tourist("小林")
    voucher = buy_voucher(web_http, cafe, buyer)
    status, png, _ = web_http.get(f"/v1/me/vouchers/{voucher['voucher_id']}.png", token=buyer.access_token)
    assert status == 200 and png[:4] == b"\x89PNG"
    video = y4m_of(png, tmp_path / "voucher.y4m")

    camera = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=[
        *CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ])
    try:
        opened = _tab_in(camera, web_stack, request, TABLET)
        tab = next(opened)
        console_login(tab, cafe, "/till")
        tab.page.locator('[data-test="till-scan"]').click()
        result = tab.page.locator('[data-test="till-result"]')
        expect(result).to_have_attribute("data-verdict", "consumed", timeout=20_000)
        expect(tab.page.locator('[data-test="till-who"]')).to_have_text("顾客：小林")
        expect(tab.page.locator('[data-test="till-scan"]')).to_have_text("继续扫码")
        tab.check("scanned")
        next(opened, None)
    finally:
        camera.close()
    status, mine, _ = web_http.get(f"/v1/me/vouchers/{voucher['voucher_id']}", token=buyer.access_token)
    assert (status, mine["status"]) == (200, "consumed")


def test_given_the_camera_refused_then_the_till_says_so_and_the_typed_number_still_works(
    browser, web_stack, staff_of, tourist, web_http, request,
):
    cafe = staff_of("merchant", "碳惠联盟咖啡")
    voucher = buy_voucher(web_http, cafe, tourist("小林"))
    # a camera is there, but the permission prompt is not accepted (Playwright grants nothing)
    camera = browser.browser_type.launch(executable_path=CHROMIUM, headless=True,
                                         args=[*CHROMIUM_ARGS, "--use-fake-device-for-media-stream"])
    try:
        opened = _tab_in(camera, web_stack, request, TABLET)
        tab = next(opened)
        console_login(tab, cafe, "/till")
        tab.page.locator('[data-test="till-scan"]').click()
        expect(tab.page.locator('[data-test="till-camera-trouble"]')).to_contain_text("没有获得摄像头权限")
        tab.check("camera-refused")
        expect(take(tab, voucher["short"])).to_have_attribute("data-verdict", "consumed")
        next(opened, None)
    finally:
        camera.close()


def test_given_a_tablet_without_a_camera_then_the_till_says_so(desk_at, staff_of):
    tab = desk_at(TABLET)
    console_login(tab, staff_of("merchant", "碳惠联盟咖啡"), "/till")
    tab.page.locator('[data-test="till-scan"]').click()
    expect(tab.page.locator('[data-test="till-camera-trouble"]')).to_contain_text("请在下方输入券号")
    expect(field(tab.page, "till-code")).to_be_editable()


def test_given_a_merchant_then_offers_are_published_changed_and_withdrawn_and_another_merchant_sees_none(
    desk, staff_of,
):
    cafe = staff_of("merchant", "碳惠联盟咖啡")
    page = desk.page
    console_login(desk, cafe, "/offers")
    expect(page.get_by_text("还没有优惠")).to_be_visible()
    desk.check("offers-empty")

    page.locator('[data-test="offer-new"]').click()
    page.locator('[data-test="offer-save"]').click()
    expect(page.get_by_text("请填写名称")).to_be_visible()  # refused before sending
    desk.check("offer-form-refused")
    field(page, "offer-title").fill("自带杯减 5 元")
    field(page, "offer-price").fill("3")
    field(page, "offer-stock").fill("50")
    field(page, "offer-limit").fill("2")
    page.locator('[data-test="offer-save"]').click()
    row = page.locator(".el-table__body tr", has_text="自带杯减 5 元")
    expect(row).to_contain_text("50")
    expect(row).to_contain_text("兑换中")
    desk.check("offer-published")

    row.get_by_role("button", name="修改").click()
    expect(field(page, "offer-price")).to_be_disabled()
    desk.check("offer-change")
    field(page, "offer-stock").fill("40")
    field(page, "offer-limit").fill("")
    page.locator('[data-test="offer-save"]').click()
    expect(row).to_contain_text("40")
    expect(row).to_contain_text("不限")

    row.get_by_role("button", name="下架").click()
    page.get_by_role("dialog").get_by_role("button", name="下架").click()
    expect(row).to_contain_text("已下架")
    desk.check("offer-withdrawn")

    other = staff_of("merchant", "丹霞茶铺")
    screen = {"width": DESK.width, "height": DESK.height}
    second = Tab(page.context.browser.new_context(viewport=screen).new_page(), DESK, desk.folder,
                 desk.base_url)
    try:
        console_login(second, other, "/offers")
        expect(second.page.get_by_text("还没有优惠")).to_be_visible()
        expect(second.page.get_by_text("自带杯减 5 元")).to_have_count(0)
    finally:
        second.page.context.close()
