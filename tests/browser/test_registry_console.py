"""碳普惠登记簿 in the console: the operator issues from an audited export and sees the serial range
(an export already issued and a tampered one are refused in words), transfers part of the
platform's units to an organisation (the ranges moved shown), lets it transfer itself and sets the
offset rate; the regulator then sees the same issuance, transfer and the organisation's retirement,
has no control that writes, and a write route answers it 403."""

from __future__ import annotations

import re
import uuid
from typing import Any

from tests.browser.conftest import _login, console_login
from tests.browser.console_support import csv_rows, download, field
from tests.browser.support import Tab, expect


def choose(tab: Tab, select: str, text: str) -> None:
    tab.page.locator(f'[data-test="{select}"]').click()
    tab.page.locator(".el-select-dropdown__item:visible", has_text=text).first.click()
    expect(tab.page.locator(".el-select__popper:visible")).to_have_count(0)  # closed, not fading


def tampered(day: str) -> str:
    """A completed export of `day` one of whose records changed since (its audit fails)."""
    import boto3
    from tanhui.config import get_settings

    from tests.integration.registry_support import export, records_on

    [record] = records_on(day, [3_000])
    export_id = export(day)
    boto3.client("dynamodb").update_item(
        TableName=get_settings().table_name, Key={"pk": {"S": record.pk}, "sk": {"S": "BEHAVIOUR"}},
        UpdateExpression="SET gco2e = :g", ExpressionAttributeValues={":g": {"N": "30000"}})
    return export_id


def test_the_operator_issues_transfers_and_sets_the_rate_and_the_regulator_reads_it_all(
    desk: Tab, console_admin: Any, console_regulator: Any, staff_of: Any, web_http: Any
) -> None:
    from tests.integration.registry_support import export, fresh_day, invariant, records_on

    org = staff_of("organisation", "绿色会展公司")
    day = fresh_day()
    records_on(day, [1_000] * 5)  # 5,000 g: 5 units whatever carry (< 1 unit) came before
    audited, bad = export(day), tampered(fresh_day())
    admin = _login(web_http, console_admin.phone, console_admin.password)
    desk.allow(r"status of 409")  # the export issued before and the tampered one, refused on purpose

    # ---------------------------------------------------------------- issue
    console_login(desk, console_admin, "/operator/registry")
    page = desk.page
    expect(page.get_by_role("heading", name="碳普惠登记簿")).to_be_visible()
    expect(page.locator('[data-test="registry-totals"]')).to_contain_text("已签发")
    choose(desk, "issue-export", audited)
    page.locator('[data-test="issue"]').click()
    issued = page.locator('[data-test="issued"]')
    expect(issued).to_contain_text("已签发 5 单位")
    _, issuances, _ = web_http.request("GET", "/v1/admin/registry/issuances?limit=1", token=admin)
    first = issuances["items"][0]
    assert first["export_id"] == audited and first["units"] == 5, first
    expect(issued).to_contain_text(f"{first['first_serial']} – {first['last_serial']}")
    rows = page.locator('[data-test="issuances"] tbody tr')
    expect(rows.first).to_contain_text(f"{first['first_serial']} – {first['last_serial']}")
    desk.check("registry-issued")

    choose(desk, "issue-export", bad)  # another export: another intent, another key
    page.locator('[data-test="issue"]').click()
    expect(page.locator('[data-test="issue-problem"]')).to_contain_text("审计未通过")
    choose(desk, "issue-export", audited)
    page.locator('[data-test="issue"]').click()
    expect(page.locator('[data-test="issue-problem"]')).to_contain_text("这份导出中的记录都已签发过")
    desk.check("registry-nothing-to-issue")
    invariant()

    # ---------------------------------------------------------------- transfer 2 units to the organisation
    page.get_by_role("tab", name="转移登记").click()
    expect(page).to_have_url(re.compile(r"tab=transfers"))
    expect(page.locator('[data-test="transfer-from"]')).to_contain_text("碳惠平台")
    choose(desk, "transfer-to", org.name)
    field(page, "transfer-units").fill("2")
    field(page, "transfer-reason").fill("认购")
    field(page, "transfer-price").fill("120.50")
    page.locator('[data-test="transfer"]').click()
    done = page.locator('[data-test="transferred"]')
    expect(done).to_contain_text(f"已把 2 单位从 碳惠平台 Tanhui platform 转移到 {org.name}")
    _, transfers, _ = web_http.request("GET", "/v1/admin/registry/transfers?limit=1", token=admin)
    moved = transfers["items"][0]
    assert (moved["to_account"], moved["units"], moved["price_fen"]) == (org.partner_id, 2, 12050), moved
    shown = [f"{r['first_serial']} – {r['last_serial']}（{r['units']} 单位）" for r in moved["ranges"]]
    expect(page.locator('[data-test="moved-range"]')).to_have_text(shown)
    _, accounts, _ = web_http.request("GET", "/v1/admin/registry/accounts?limit=100", token=admin)
    [platform] = [a for a in accounts["items"] if a["account_id"] == "PLATFORM"]
    expect(page.locator('[data-test="left-with"]')).to_have_text(
        f"碳惠平台 Tanhui platform 现持有 {platform['held_units']:,} 单位。")
    expect(page.locator('[data-test="transfers"] tbody tr').first).to_contain_text(org.name)
    expect(page.locator('[data-test="transfers"] tbody tr').first).to_contain_text("¥120.50")
    desk.check("registry-transferred")
    invariant()

    # ---------------------------------------------------------------- the account, its flag
    page.get_by_role("tab", name="持有账户").click()
    row = page.locator('[data-test="accounts"] tbody tr', has_text=org.name)
    expect(row.locator('[data-test="account-held"]')).to_have_text("2")
    row.locator('[data-test="transfers-allowed"]').click()
    expect(page.get_by_text(f"{org.name}：已允许自行转移")).to_be_visible()
    _, accounts, _ = web_http.request("GET", "/v1/admin/registry/accounts?limit=100", token=admin)
    assert any(a["account_id"] == org.partner_id and a["transfers_allowed"] for a in accounts["items"])
    desk.check("registry-accounts")

    # ---------------------------------------------------------------- the offset rate
    page.get_by_role("tab", name="抵销价格").click()
    field(page, "rate-input").fill("7")
    page.locator('[data-test="rate-save"]').click()
    expect(page.locator('[data-test="rate"]')).to_have_text("每单位 7 碳币")
    _, rate, _ = web_http.request("GET", "/v1/registry/offset-rate")
    assert rate["coins_per_unit"] == 7, rate
    desk.check("registry-rate")
    page.locator('[data-test="lang"]').click()
    expect(page.locator("h1")).to_have_text("Carbon-inclusion registry")
    expect(page.locator('[data-test="rate"]')).to_have_text("7 coins a unit")
    page.locator('[data-test="lang"]').click()

    # ---------------------------------------------------------------- the organisation retires 1
    token = _login(web_http, org.phone, org.password)
    status, retired, _ = web_http.request(
        "POST", "/v1/partner/registry/retirements",
        {"units": 1, "beneficiary": "绿色会展公司", "purpose": "年度办公碳中和",
         "emission": {"kind": "office_year", "description": "2026 年办公用电", "period": "2026"}},
        token=token, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert status == 201, retired
    invariant()

    # ---------------------------------------------------------------- the regulator reads, cannot write
    page.locator('[data-test="logout"]').click()  # the same desk, the regulator signed in now
    expect(page).to_have_url(re.compile(r"/console/login"))
    reg = desk
    console_login(reg, console_regulator, "/regulator/registry")
    rp = reg.page
    expect(rp.get_by_role("heading", name="碳普惠登记簿（监管）")).to_be_visible()
    serials = f"{first['first_serial']} – {first['last_serial']}"
    expect(rp.locator('[data-test="issuances"]')).to_contain_text(serials)
    writes = ('[data-test="issue"], [data-test="transfer"], [data-test="rate-save"], '
              '[data-test="open-account"], .el-switch')
    expect(rp.locator(writes)).to_have_count(0)
    reg.check("regulator-issuances")

    rp.get_by_role("tab", name="转移登记").click()
    transfer_row = rp.locator('[data-test="transfers"] tbody tr').first
    expect(transfer_row).to_contain_text(org.name)
    expect(transfer_row.locator('[data-test="transfer-range"]')).to_have_text(shown)
    reg.check("regulator-transfers")
    data = download(reg, '[data-test="csv"]')
    lines = csv_rows(data)
    assert lines[0][0] == "transfer_id" and any(r[0] == moved["transfer_id"] for r in lines[1:]), lines[:3]

    rp.get_by_role("tab", name="注销").click()
    retirement_row = rp.locator('[data-test="retirements"] tbody tr').first
    expect(retirement_row).to_contain_text(retired["retirement_id"])
    expect(retirement_row).to_contain_text("年度办公排放 · 2026 年办公用电 · 2026")
    reg.check("regulator-retirements")

    rp.get_by_role("tab", name="持有账户").click()
    account_row = rp.locator('[data-test="accounts"] tbody tr', has_text=org.name)
    expect(account_row.locator('[data-test="account-held"]')).to_have_text("1")
    expect(account_row.locator('[data-test="account-retired"]')).to_have_text("1")
    expect(account_row.locator('[data-test="transfers-allowed"]')).to_have_text("允许")
    expect(rp.locator(writes)).to_have_count(0)
    reg.check("regulator-accounts")

    regulator = _login(web_http, console_regulator.phone, console_regulator.password)
    status, body, _ = web_http.request(
        "POST", "/v1/admin/registry/transfers",
        {"from": "PLATFORM", "to": org.partner_id, "units": 1, "reason": "监管不能转移"},
        token=regulator, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert status == 403, body
    status, body, _ = web_http.request("PUT", "/v1/admin/registry/offset-rate", {"coins_per_unit": 1},
                                       token=regulator)
    assert status == 403, body
    reg.goto("/console/operator/registry")
    expect(rp).to_have_url(re.compile(r"/console/forbidden$"))
    invariant()


def test_the_regulator_reads_the_peers_and_their_calls(desk: Tab, console_regulator: Any) -> None:
    from tanhui.peers import callers, exchange
    from tanhui.peers.schemas import PeerIn

    peer_id = f"peer-{uuid.uuid4().hex[:8]}"
    made = callers.onboard(PeerIn(peer_id=peer_id, name="粤碳惠 Guangdong", per_minute=1_000))
    peer = callers.peer_of(made.client_id, frozenset({callers.READ}), callers.READ)
    exchange.check(peer, ["a" * 64, "b" * 64])

    console_login(desk, console_regulator, "/regulator/peers")
    page = desk.page
    expect(page.get_by_role("heading", name="对接平台调用记录")).to_be_visible()
    row = page.locator('[data-test="peers"] tbody tr', has_text=peer_id)
    expect(row).to_contain_text("粤碳惠 Guangdong")
    row.locator('[data-test="peer-calls"]').click()
    calls = page.locator('[data-test="peer-call-list"] tbody tr')
    expect(calls).to_have_count(1)
    expect(calls.first).to_contain_text("查询是否已计入")
    expect(page.locator('[data-test="calls-card"]')).not_to_contain_text("a" * 64)  # counts, never keys
    desk.check("regulator-peers")


def test_a_holder_the_operator_allowed_transfers_units_itself(
    desk: Tab, staff_of: Any, web_http: Any
) -> None:
    from tanhui.registry import accounts

    from tests.integration.registry_support import held_by, invariant

    org, forum = staff_of("organisation", "低碳科技公司"), staff_of("event", "绿色马拉松")
    held_by(org.partner_id, 3)

    console_login(desk, org, "/registry")
    page = desk.page
    expect(page.locator('[data-test="held"]')).to_have_text("3 单位")
    expect(page.locator('[data-test="give"]')).to_have_count(0)  # not allowed yet: no form
    accounts.set_transfers_allowed(org.partner_id, True)
    page.reload()
    expect(page.locator('[data-test="give"]')).to_be_visible()
    field(page, "give-to").fill("nope")
    field(page, "give-reason").fill("赞助马拉松碳中和")
    page.locator('[data-test="give-submit"]').click()
    expect(page.locator('[data-test="give-problem"]')).to_contain_text("6 位合作方编号")
    field(page, "give-to").fill("platf")  # the accounts the public registry lists are offered
    expect(page.locator(".el-autocomplete-suggestion li:visible").first).to_contain_text("PLATFORM")
    field(page, "give-to").press("Escape")
    field(page, "give-to").fill(forum.partner_id.lower())  # no account yet: typed, not picked
    field(page, "give-units").fill("2")
    field(page, "give-price").fill("80")
    page.locator('[data-test="give-submit"]').click()
    expect(page.locator('[data-test="given"]')).to_contain_text(f"已转出 2 单位到 {forum.partner_id}")
    expect(page.locator('[data-test="held"]')).to_have_text("1 单位")
    desk.check("holder-transferred")

    token = _login(web_http, forum.phone, forum.password)
    status, holding, _ = web_http.request("GET", "/v1/partner/registry/account", token=token)
    assert status == 200 and holding["account"]["held_units"] == 2, holding
    invariant()


def test_a_transfer_whose_answer_is_lost_is_sent_again_with_its_key_and_moves_once(
    desk: Tab, console_admin: Any, staff_of: Any, web_http: Any
) -> None:
    from tests.integration.registry_support import held_by, invariant

    event = staff_of("event", "低碳音乐节")
    giver = staff_of("organisation", "碳汇认购中心")
    held_by(giver.partner_id, 4)
    admin = _login(web_http, console_admin.phone, console_admin.password)
    desk.allow(r"ERR_INTERNET_DISCONNECTED")

    console_login(desk, console_admin, "/operator/registry?tab=transfers")
    page = desk.page
    choose(desk, "transfer-from", giver.name)
    choose(desk, "transfer-to", event.name)
    field(page, "transfer-units").fill("3")
    field(page, "transfer-reason").fill("音乐节碳中和")
    keys: list[str] = []

    def lose_answer(route: Any) -> None:
        keys.append(route.request.headers["idempotency-key"])
        route.fetch()  # the registry moves the units
        route.abort("internetdisconnected")  # and the desk never hears it

    page.route("**/v1/admin/registry/transfers", lose_answer, times=1)
    page.locator('[data-test="transfer"]').click()
    expect(page.locator('[data-test="transfer-problem"]')).to_be_visible()
    posted = lambda r: r.url.endswith("/v1/admin/registry/transfers") and r.method == "POST"  # noqa: E731
    with page.expect_request(posted) as sent:
        page.locator('[data-test="transfer"]').click()  # the same intent again: the same key
    assert sent.value.headers["idempotency-key"] == keys[0]
    expect(page.locator('[data-test="transferred"]')).to_contain_text(
        f"已把 3 单位从 {giver.name} 转移到 {event.name}")
    desk.check("registry-transfer-retried")

    _, moved, _ = web_http.request("GET", "/v1/admin/registry/transfers?limit=20", token=admin)
    mine = [x for x in moved["items"] if x["from_account"] == giver.partner_id]
    assert len(mine) == 1 and mine[0]["units"] == 3, mine  # moved once
    invariant()
