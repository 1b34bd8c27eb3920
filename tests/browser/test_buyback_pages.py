"""Government buyback on the pages (政府回购): a tourist goes from the wallet to the open rounds,
sees what they may sell, sells, and finds the offer with its payout reference; the operator opens a
round on the console's 政府回购 page, closes it (a confirmation first) and exports its payouts file,
whose rows are the offers."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import urllib3

from tests.browser.conftest import _login, console_login
from tests.browser.console_support import BOM, csv_rows, field
from tests.browser.support import Tab, expect
from tests.browser.test_tourist_h5 import log_in, marked


def _at(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _round(web_http: Any, token: str, title: str, **changes: Any) -> dict[str, Any]:
    body = {"title_zh": title, "title_en": f"{title} (en)", "price_fen": 5, "budget_fen": 100_000,
            "opens_at": _at(hours=-1), "closes_at": _at(days=7), "behaviours": ["transit_trip"], **changes}
    status, made, _ = web_http.request("POST", "/v1/admin/buyback-rounds", body, token=token)
    assert status == 201, made
    return made


def _earned(web_http: Any, who: Any, coins: int) -> None:
    """Coins from transit trips, as a bus operator's file credits them (entry, balance, lot)."""
    from tanhui.models.base import utc_now
    from tanhui.models.wallet import Wallet, counter, lot_attribute
    from tanhui.wallet import lots

    from tests.factories import ledger_record

    _, me, _ = web_http.request("GET", "/v1/me", token=who.access_token)
    ledger_record(me["user_id"], "transit_trip", coins=coins, gco2e=coins * 100, occurred_at=utc_now())
    year = lots.lot_year(datetime.now(UTC))
    Wallet(*Wallet.key(me["user_id"])).update(actions=[
        Wallet.coins.add(coins), Wallet.lifetime_coins.add(coins), counter(lot_attribute(year)).add(coins)])


def test_a_tourist_sells_coins_from_the_wallet_into_an_open_round(
    tab: Tab, tourist: Any, web_http: Any, console_admin: Any
) -> None:
    token = _login(web_http, console_admin.phone, console_admin.password)
    title = f"碳普惠回购测试期 {secrets.token_hex(2)}"  # a round a run of its own (two phones, one session)
    made = _round(web_http, token, title)
    who = tourist()
    _earned(web_http, who, 20)
    log_in(tab, who, "/wallet")
    marked(tab, "wallet-buyback").click()
    tab.page.wait_for_url(tab.base_url + "/buyback")
    card = marked(tab, "buyback-round").filter(has_text=title)
    expect(card).to_contain_text("单价：每个碳币 ¥0.05")
    expect(card.locator('[data-test="buyback-eligible"]')).to_contain_text("本期最多还可卖 20 碳币")
    tab.check("buyback-rounds")

    card.locator('[data-test="buyback-amount"] input').fill("12")
    card.locator('[data-test="buyback-sell"]').click()
    expect(card.locator('[data-test="buyback-result"]')).to_have_text(
        "已出售 12 碳币，回购金额 ¥0.60，将由付款机构发放。")
    expect(card.locator('[data-test="buyback-eligible"]')).to_contain_text("本期最多还可卖 8 碳币")
    offer = marked(tab, "buyback-offer").first
    expect(offer).to_contain_text(title)
    expect(offer).to_contain_text("回购编号 ")
    tab.check("buyback-sold")

    tab.allow(r"status of 409")  # the offer beyond what was earned, refused on purpose
    card.locator('[data-test="buyback-amount"] input').fill("9")
    card.locator('[data-test="buyback-sell"]').click()
    expect(card.locator('[data-test="buyback-error"]')).to_contain_text("尚未出售的碳币")
    tab.check("buyback-not-eligible")

    status, after, _ = web_http.request("GET", f"/v1/admin/buyback-rounds/{made['round_id']}", token=token)
    assert status == 200 and (after["sold_fen"], after["sold_coins"]) == (60, 12), after
    tab.goto("/wallet")
    expect(marked(tab, "ledger-item").first).to_contain_text("政府回购")
    expect(marked(tab, "ledger-item").first).to_contain_text("-12")


def test_the_operator_opens_closes_and_pays_out_a_round(
    desk: Tab, console_admin: Any, web_http: Any, tourist: Any
) -> None:
    from tanhui.claims import factors

    factors.seed_defaults()  # the behaviours the form offers are the factors'
    token = _login(web_http, console_admin.phone, console_admin.password)
    console_login(desk, console_admin, "/operator/buyback")
    page = desk.page
    expect(page.get_by_role("heading", name="政府回购")).to_be_visible()

    # open one on the page: the window typed into the range picker
    page.locator('[data-test="buyback-add"]').click()
    dialog = page.get_by_role("dialog", name="发起政府回购")
    field(dialog, "buyback-title-zh").fill("控制台回购第一期")
    field(dialog, "buyback-title-en").fill("Console buyback 1")
    field(dialog, "buyback-price").fill("0.1")
    field(dialog, "buyback-budget").fill("1000")
    start = (datetime.now() - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    end = (datetime.now() + timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S")
    dialog.get_by_placeholder("开始时间").fill(start)
    dialog.get_by_placeholder("结束时间").fill(end)
    dialog.get_by_placeholder("结束时间").press("Enter")
    expect(page.locator(".el-picker-panel:visible")).to_have_count(0)  # Enter takes the range and closes it
    dialog.locator('[data-test="buyback-behaviours"]').get_by_text("公交出行").click()
    desk.check("buyback-open-form")
    dialog.locator('[data-test="buyback-submit"]').click()
    expect(page.locator('[data-test="buyback-rounds"]')).to_contain_text("控制台回购第一期")
    status, rounds, _ = web_http.request("GET", "/v1/admin/buyback-rounds?limit=5", token=token)
    made = next(r for r in rounds["items"] if r["title_zh"] == "控制台回购第一期")
    assert (made["price_fen"], made["budget_fen"]) == (10, 100_000), made
    assert made["behaviours"] == ["transit_trip"], made
    rid = made["round_id"]

    # a tourist sells into it, then the operator closes it and exports its payouts
    who = tourist()
    _earned(web_http, who, 30)
    status, sold, _ = web_http.request("POST", f"/v1/buyback-rounds/{rid}/offers", {"coins": 25},
                                       token=who.access_token, headers={"Idempotency-Key": f"browser-{rid}"})
    assert status == 201, sold
    page.locator('[data-test="refresh"]').click()
    expect(page.locator(f'[data-test="buyback-status-{rid}"]')).to_have_text("进行中")
    page.locator(f'[data-test="buyback-close-{rid}"]').click()
    box = page.get_by_role("dialog", name="提前结束回购")
    expect(box).to_contain_text("已回购 ¥2.50 保留")
    desk.check("buyback-close-confirm")
    box.get_by_role("button", name="提前结束", exact=True).click()
    expect(page.locator(f'[data-test="buyback-status-{rid}"]')).to_have_text("已结束")
    page.locator(f'[data-test="buyback-pay-{rid}"]').click()
    files = page.locator(f'[data-test="buyback-files-{rid}"]')
    expect(files).to_contain_text("1 人 · ¥2.50")
    desk.check("buyback-paid")

    link = files.locator('a', has_text="payouts.csv").get_attribute("href")
    assert link is not None
    data = urllib3.request("GET", link).data  # the presigned link, as the agency's clerk opens it
    assert data.startswith(BOM)
    header = ["人员编号 person_reference", "回购碳币 coins", "金额（分） amount_fen", "出售次数 offers"]
    assert csv_rows(data) == [header, [sold["reference"], "25", "250", "1"]]
