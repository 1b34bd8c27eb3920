"""碳积分抵销 on the H5: a tourist with coins offsets a whole multiple of the operator's rate, gets the
units retired for them (the platform's lowest serials) with the public check and the certificate,
and an amount that is no multiple of the rate is said on the page before anything is sent."""

from __future__ import annotations

from typing import Any

from tests.browser.support import Tab, expect
from tests.browser.test_tourist_h5 import log_in, marked


def test_a_tourist_offsets_coins_and_gets_the_retirement(tab: Tab, tourist: Any, web_http: Any) -> None:
    from tanhui.registry import issuance, offsets
    from tanhui.registry.schemas import IssuanceIn, OffsetRateIn

    from tests.integration.registry_support import export, fresh_day, invariant, records_on
    from tests.integration.test_registry_api import earn

    day = fresh_day()
    records_on(day, [1_000] * 4)
    issuance.issue(IssuanceIn(export_id=export(day)), "operator")
    offsets.set_rate(OffsetRateIn(coins_per_unit=5), "operator")
    who = tourist("小林")
    status, me, _ = web_http.request("GET", "/v1/me", token=who.access_token)
    assert status == 200, me
    earn(me["user_id"], 12)

    log_in(tab, who, "/wallet")
    expect(marked(tab, "wallet-offset")).to_be_visible()
    tab.check("wallet")
    marked(tab, "wallet-offset").click()  # the wallet leads there
    tab.page.wait_for_url("**/offset")
    expect(marked(tab, "offset-rate")).to_have_text("每单位 5 碳币")
    tab.check("offset")
    field = tab.page.locator('input[data-test="offset-coins"], [data-test="offset-coins"] input').first
    field.fill("7")
    marked(tab, "offset").click()
    expect(marked(tab, "offset-error")).to_contain_text("5 的整数倍")

    field.fill("10")
    with tab.page.expect_response(lambda r: r.url.endswith("/v1/me/offsets")) as answered:
        marked(tab, "offset").click()
    assert answered.value.status == 201
    expect(marked(tab, "offset-result")).to_contain_text("已注销 2 单位")
    tab.check("offset-done")
    check = marked(tab, "offset-check").get_attribute("href") or ""
    status, body, _ = web_http.request("GET", check, None)
    assert status == 200 and body["units"] == 2 and body["beneficiary"] == "小**", body
    status, wallet, _ = web_http.request("GET", "/v1/me/wallet", token=who.access_token)
    assert wallet["coins"] == 2, wallet
    invariant()
    # the public registry, a page away: the offset is among its retirements, named as its check names it
    marked(tab, "offset-registry").click()
    tab.page.wait_for_url("**/v1/registry")
    expect(tab.page.locator("h1")).to_contain_text("减排量登记簿")
    expect(tab.page.locator("main")).to_contain_text(body["ranges"][0]["first_serial"])
    expect(tab.page.locator(f'a[href="{check}"]')).to_have_count(1)
    tab.check("registry")
