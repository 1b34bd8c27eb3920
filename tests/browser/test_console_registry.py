"""减排量消纳 in the console: an event organiser holding units (issued from an audited export and
transferred by the operator) sees its holding, retires part of it against its forum's emissions and
gets the public check and the certificate; what it retired never shows as held again, and it
cannot ask for more than it holds."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import console_login
from tests.browser.console_support import field
from tests.browser.support import Tab, expect


def test_given_units_held_then_an_event_retires_some_and_gets_the_check_and_certificate(
    desk: Tab, staff_of: Any, web_http: Any
) -> None:
    from tests.integration.registry_support import held_by, invariant

    forum = staff_of("event", "碳普惠论坛组委会")
    held_by(forum.partner_id, 3)

    console_login(desk, forum, "/registry")
    expect(desk.page.locator("h1")).to_have_text("减排量消纳")
    expect(desk.page.locator('[data-test="held"]')).to_have_text("3 单位")
    expect(desk.page.locator('[data-test="ranges"] li')).not_to_have_count(0)
    desk.check("registry-holding")

    field(desk.page, "units").fill("2")
    field(desk.page, "beneficiary").fill("2026 碳普惠论坛")
    field(desk.page, "purpose").fill("会议碳中和")
    field(desk.page, "description").fill("论坛两天的场馆与交通排放")
    field(desk.page, "period").fill("2026-12")
    desk.page.locator('[data-test="retire"]').click()

    done = desk.page.locator('[data-test="done"]')
    expect(done).to_contain_text("已注销 2 单位")
    expect(desk.page.locator('[data-test="held"]')).to_have_text("1 单位")
    expect(desk.page.locator('[data-test="retired"]')).to_have_text("2 单位")
    check = desk.page.locator('[data-test="check"]').get_attribute("href") or ""
    certificate = desk.page.locator('[data-test="certificate"]').get_attribute("href") or ""
    assert certificate == check + "/certificate.pdf", (check, certificate)
    status, body, _ = web_http.request("GET", check, None)
    assert status == 200 and body["units"] == 2 and body["beneficiary"] == "2026 碳普惠论坛", body
    status, _, headers = web_http.request("GET", certificate, None)
    assert status == 200 and headers.get("Content-Type", headers.get("content-type")) == "application/pdf"
    desk.check("registry-retired")

    # no more than is held can be asked for: the count stops at what the account holds
    field(desk.page, "units").fill("5")
    field(desk.page, "units").blur()
    expect(field(desk.page, "units")).to_have_value("1")
    invariant()

    desk.page.locator('[data-test="lang"]').click()
    expect(desk.page.locator("h1")).to_have_text("Retiring reductions")
