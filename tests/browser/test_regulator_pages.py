"""The regulator's console (监管): 运营操作记录 lists the operators' writes newest first with what
they changed and no person's data, exports the month as the API's CSV, and the operator's pages
are closed to a regulator."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tests.browser.conftest import _login, console_login
from tests.browser.console_support import BOM, csv_rows, download
from tests.browser.support import expect


def test_given_an_operators_quota_change_then_the_regulator_reads_it_and_exports_the_month(
    desk, console_admin, console_regulator, staff_of, web_http
):
    hotel = staff_of("hotel", "监管酒店")
    token = _login(web_http, console_admin.phone, console_admin.password)
    status, body, _ = web_http.request("PUT", f"/v1/admin/partners/{hotel.partner_id}/quota",
                                       {"monthly_coins": 4321}, token=token)
    assert status == 200, body

    console_login(desk, console_regulator, "/regulator/audit-log")
    page = desk.page
    expect(page.get_by_role("heading", name="运营操作记录")).to_be_visible()
    log = page.locator('[data-test="audit-log"]')
    expect(log).to_contain_text("PUT /v1/admin/partners/{partner_id}/quota")
    expect(log).to_contain_text(f"partner_id: {hotel.partner_id}")
    expect(log).to_contain_text("monthly_coins: 4321")
    expect(log).to_contain_text("运营小王")  # the operator by name, as their profile says now
    expect(page.locator('[data-test="who"]')).to_contain_text("监管")
    desk.check("regulator-audit-log")

    data = download(desk, '[data-test="log-csv"]')
    assert data.startswith(BOM)
    rows = csv_rows(data)
    assert rows[0][:5] == ["at", "request_id", "who", "who_name", "route"]
    month = datetime.now(UTC).strftime("%Y-%m")
    assert all(r[0].startswith(month) for r in rows[1:])
    assert any(r[4] == "PUT /v1/admin/partners/{partner_id}/quota" and "4321" in r[6] and r[3] == "运营小王"
               for r in rows[1:])

    desk.goto("/console/operator/partners")  # the operator's pages are not the regulator's
    expect(page).to_have_url(re.compile(r"/console/forbidden$"))
