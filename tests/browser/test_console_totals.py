"""减碳统计 in the console: a partner's own totals after tourists' scans (charts by day, behaviour and
asset, the table, its CSV), the operator's platform totals by partner, and another partner's staff
who sees none of the first's figures."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import console_login
from tests.browser.console_support import BOM, csv_rows, download
from tests.browser.support import Tab, expect


def credit(web_http: Any, web_stack: Any, tourists: list[Any], code_url: str) -> None:
    """Each tourist scans the code (POST /v1/claims); the stream aggregator then keeps the totals."""
    for someone in tourists:
        status, body, _ = web_http.request("POST", "/v1/claims", {"code": code_url},
                                           token=someone.access_token)
        assert status == 201, body
    web_stack.dispatcher.drain()


def test_given_scans_of_a_hotels_room_then_its_totals_show_charts_a_table_and_a_csv(
    desk: Tab, staff_of: Any, tourist: Any, web_http: Any, web_stack: Any
) -> None:
    from tests import factories

    clerk = staff_of("hotel", "晨曦酒店")
    room = factories.make_asset(clerk.partner_id, "hotel_room")
    credit(web_http, web_stack, [tourist("小林"), tourist("小周")], factories.static(room))

    console_login(desk, clerk, "/totals")
    expect(desk.page.locator('[data-test="sum-count"]')).to_have_text("2")
    expect(desk.page.locator('[data-test="sum-coins"]')).to_have_text("4")
    for chart in ("day", "behaviour", "asset"):
        expect(desk.page.locator(f'[data-test="chart-{chart}"] canvas')).to_have_count(1)
    table = desk.page.locator('[data-test="table"]')
    expect(table.locator("tbody tr")).to_have_count(1)  # the days with credits (the chart shows all 30)
    desk.check("totals-by-day")

    desk.page.locator('[data-test="table-by"]').get_by_text("按低碳行为").click()
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("低碳住宿")
    desk.page.locator('[data-test="table-by"]').get_by_text("按资产").click()
    expect(table).to_contain_text(room.name)
    desk.check("totals-by-asset")

    data = download(desk, '[data-test="export"]')
    assert data.startswith(BOM), data[:10]
    rows = csv_rows(data)
    assert rows[0] == ["资产", "发放次数", "碳币", "减碳量（克 CO₂e）"], rows[0]
    assert rows[1][0] == room.name and rows[1][1:3] == ["2", "4"], rows
    assert rows[-1][0] == "合计", rows

    desk.page.locator('[data-test="lang"]').click()
    expect(desk.page.locator("h1")).to_have_text("Reduction totals")
    desk.check("totals-en")


def test_given_two_partners_then_the_operator_sees_both_by_partner_and_each_staff_only_its_own(
    desk: Tab, staff_of: Any, console_admin: Any, tourist: Any, web_http: Any, web_stack: Any
) -> None:
    from tests import factories

    hotel, spot = staff_of("hotel", "晨曦酒店"), staff_of("scenic_spot", "丹霞山景区")
    room = factories.make_asset(hotel.partner_id, "hotel_room")
    ticket = factories.make_asset(spot.partner_id, "ticket_product")
    credit(web_http, web_stack, [tourist("小林")], factories.static(room))
    credit(web_http, web_stack, [tourist("小周")], factories.single_use(ticket)[0])

    console_login(desk, console_admin, "/platform/totals")
    expect(desk.page.locator("h1")).to_have_text("平台减碳统计")
    expect(desk.page.locator('[data-test="chart-partner"] canvas')).to_have_count(1)
    desk.page.locator('[data-test="table-by"]').get_by_text("按合作方").click()
    table = desk.page.locator('[data-test="table"]')
    expect(table).to_contain_text(hotel.name)
    expect(table).to_contain_text(spot.name)
    desk.check("platform-by-partner")
    desk.page.locator('[data-test="logout"]').click()

    console_login(desk, spot, "/totals")
    expect(desk.page.locator('[data-test="sum-count"]')).to_have_text("1")
    desk.page.locator('[data-test="table-by"]').get_by_text("按低碳行为").click()
    expect(table).not_to_contain_text("低碳住宿")
    desk.page.locator('[data-test="table-by"]').get_by_text("按资产").click()
    expect(table).to_contain_text(ticket.name)
    expect(table).not_to_contain_text(room.name)
    desk.check("scenic-spot-own-totals")

    desk.allow(r"status of 403")
    desk.goto("/console/platform/totals")
    expect(desk.page).to_have_url(f"{desk.base_url}/console/forbidden")


def test_given_a_partner_without_credits_then_its_totals_say_what_to_do(desk: Tab, staff_of: Any) -> None:
    console_login(desk, staff_of("recycler", "绿色回收"), "/totals")
    expect(desk.page.locator('[data-test="empty"]')).to_contain_text("还没有减碳记录")
    desk.check("totals-empty")
