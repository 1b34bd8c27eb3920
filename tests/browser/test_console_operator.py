"""The operator's console pages (平台管理): registering a partner and its staff login (who then signs
in), the alliance and the monthly quota; a new factor version through the diff of the old and the
new; a donation project opened and closed; an export ordered, completed, audited and its public
verification link; the leaderboard; and a partner's staff kept out of all of it."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import Staff, _login, console_login
from tests.browser.console_support import field
from tests.browser.support import expect

# A behaviour no other browser test claims or imports (a property manager's gate records), and a
# change of its gCO2e only: coins and caps stay, so no other test's tourist is affected.
BEHAVIOUR = "car_free_day"
FACTOR_FIELDS = ("method", "unit", "gco2e_per_unit", "baseline_g_per_km", "eco_g_per_km", "fuel_ml_per_km",
                 "gco2e_per_litre", "baseline_units", "categories", "coins_per_unit", "daily_cap",
                 "monthly_cap", "source")


def _admin_token(web_http: Any, admin: Staff) -> str:
    return _login(web_http, admin.phone, admin.password)


def test_given_the_operator_when_registering_a_partner_then_its_staff_signs_in_and_it_has_alliance_and_quota(
    desk, console_admin, web_http
):
    from tests.support import unique_phone

    name = f"晨光低碳酒店 {secrets.token_hex(2)}"
    console_login(desk, console_admin, "/operator/partners")
    page = desk.page
    expect(page.get_by_role("heading", name="合作方")).to_be_visible()
    desk.check("partners")

    page.locator('[data-test="partner-add"]').click()
    dialog = page.locator('[data-test="partner-dialog"]')
    dialog.locator('[data-test="partner-submit"]').click()  # nothing typed: refused before sending
    expect(dialog).to_contain_text("请填写合作方名称")
    expect(dialog).to_contain_text("请选择类型")
    field(dialog, "partner-name").fill(name)
    dialog.locator('[data-test="role-hotel"]').click()
    field(dialog, "partner-contact-name").fill("陈经理")
    field(dialog, "partner-contact-phone").fill("12345")
    dialog.locator('[data-test="partner-submit"]').click()
    expect(dialog).to_contain_text("电话号码格式不对")
    field(dialog, "partner-contact-phone").fill("020-8888 6666")
    desk.check("partner-register")
    dialog.locator('[data-test="partner-submit"]').click()

    expect(page).to_have_url(re.compile(r"/console/operator/partners/[0-9A-F]{6}$"))
    partner_id = page.url.rsplit("/", 1)[1]
    expect(page.locator('[data-test="partner-name"]')).to_have_text(name)
    expect(page.get_by_text("+862088886666")).to_be_visible()
    desk.check("partner-new")

    # a staff login for the front desk: a bad password is refused on the page first
    phone, password = unique_phone(), "desk-pass-2026"
    staff = page.locator('[data-test="staff"]')
    field(staff, "staff-phone").fill(phone)
    field(staff, "staff-name").fill("前台小周")
    field(staff, "staff-password").fill("short")
    staff.locator('[data-test="staff-add"]').click()
    expect(staff).to_contain_text("密码至少 8 位")
    field(staff, "staff-password").fill(password)
    staff.locator('[data-test="staff-add"]').click()
    expect(staff.locator('[data-test="staff-list"]')).to_contain_text("前台小周")
    expect(staff.locator('[data-test="staff-list"]')).to_contain_text(phone)
    # the same phone again: the API refuses it, the page says why in Chinese
    desk.allow(r"status of 409")
    field(staff, "staff-phone").fill(phone)
    field(staff, "staff-name").fill("前台小周")
    field(staff, "staff-password").fill(password)
    staff.locator('[data-test="staff-add"]').click()
    expect(page.get_by_role("alert").filter(has_text="这个手机号已经注册")).to_be_visible()
    expect(staff.locator('[data-test="staff-list"] tbody tr')).to_have_count(1)

    # the low-carbon alliance
    alliance = page.locator('[data-test="alliance"]')
    expect(alliance.locator('[data-test="alliance-state"]')).to_have_text("未加入")
    alliance.locator('[data-test="alliance-switch"]').click()
    expect(alliance.locator('[data-test="alliance-state"]')).to_have_text("联盟成员")

    # the monthly quota: none yet
    quota = page.locator('[data-test="quota"]')
    expect(quota.locator('[data-test="quota-now"]')).to_contain_text("不限")
    expect(field(quota, "quota-coins")).to_be_disabled()
    quota.locator('[data-test="quota-unlimited"]').click()  # a quota, then
    field(quota, "quota-coins").fill("十万")
    quota.locator('[data-test="quota-save"]').click()
    expect(quota).to_contain_text("请输入 0 到 1,000,000,000 之间的整数")
    field(quota, "quota-coins").fill("50,000")
    quota.locator('[data-test="quota-save"]').click()
    expect(quota.locator('[data-test="quota-now"]')).to_contain_text("50,000 碳币")
    desk.check("partner-staff-alliance-quota")

    token = _admin_token(web_http, console_admin)
    status, body, _ = web_http.request("GET", f"/v1/admin/partners/{partner_id}", token=token)
    assert status == 200 and body["alliance"] is True and body["role"] == "hotel", body
    assert body["monthly_coin_quota"] == 50_000, body

    # opened again, the page lists the staff login and the quota from the API
    page.reload()
    expect(staff.locator('[data-test="staff-list"]')).to_contain_text("前台小周")
    expect(field(quota, "quota-coins")).to_have_value("50000")
    expect(quota.locator('[data-test="quota-now"]')).to_contain_text("50,000 碳币")

    # the night desk left: their login is ended (after a confirmation), the front desk's stays
    night_phone = unique_phone()
    night_desk = {"phone": night_phone, "password": password, "display_name": "夜班小李"}
    users = f"/v1/admin/partners/{partner_id}/users"
    status, night, _ = web_http.request("POST", users, night_desk, token=token)
    assert status == 201, night
    page.reload()
    night_row = staff.locator('[data-test="staff-list"] tbody tr', has_text="夜班小李")
    night_row.locator('[data-test="staff-end"]').click()
    confirm = page.locator(".el-message-box")
    expect(confirm).to_contain_text(night_phone)
    desk.check("partner-staff-end-confirm")
    confirm.get_by_role("button", name="停用账号").click()
    expect(page.get_by_text("已停用 夜班小李 的账号")).to_be_visible()
    expect(staff.locator('[data-test="staff-list"] tbody tr')).to_have_count(1)
    expect(staff.locator('[data-test="staff-list"]')).to_contain_text("前台小周")
    again = {"phone": night_phone, "password": password}
    status, ended, _ = web_http.request("POST", "/v1/auth/login", again)
    assert status == 401, ended

    # the list shows it, a member of the alliance
    page.get_by_role("link", name="合作方").first.click()
    row = page.locator('[data-test="partners"] tr', has_text=name)
    expect(row).to_contain_text("酒店")
    expect(row).to_contain_text("联盟成员")
    expect(row).to_contain_text("50,000 碳币")

    # the new staff signs in to the console and works for that hotel
    page.locator('[data-test="logout"]').click()
    expect(page).to_have_url(f"{desk.base_url}/console/login")
    console_login(desk, Staff("hotel", phone, password, partner_id, name))
    expect(page.locator('[data-test="who"]')).to_contain_text(name)
    expect(page.locator('[data-test="who"]')).to_contain_text("前台小周")
    desk.check("new-staff-home")


@pytest.fixture
def car_free_factor(web_http: Any, console_admin: Staff, web_stack: Any) -> Iterator[dict[str, Any]]:
    """The behaviour's version in effect; afterwards a version with its numbers again (tests share
    one moto)."""
    from tanhui.claims import factors

    factors.seed_defaults()
    token = _admin_token(web_http, console_admin)
    status, body, _ = web_http.request("GET", f"/v1/admin/factors/{BEHAVIOUR}", token=token)
    assert status == 200, body
    current = next(v for v in body["items"] if v["version"] == body["current_version"])
    yield current
    status, latest, _ = web_http.request("GET", f"/v1/admin/factors/{BEHAVIOUR}", token=token)
    now = next(v for v in latest["items"] if v["version"] == latest["current_version"])
    if any(now[f] != current[f] for f in FACTOR_FIELDS):
        restore = {f: current[f] for f in FACTOR_FIELDS}
        status, body, _ = web_http.request("PUT", f"/v1/admin/factors/{BEHAVIOUR}", restore, token=token)
        assert status == 201, body


def test_given_the_operator_when_changing_a_factor_then_the_diff_first_and_the_new_version_in_effect(
    desk, console_admin, car_free_factor
):
    old = car_free_factor
    new_litre = old["gco2e_per_litre"] + 10
    console_login(desk, console_admin, "/operator/factors")
    page = desk.page
    table = page.locator('[data-test="factors"]')
    expect(table).to_contain_text("减少私家车出行")
    expect(table).to_contain_text("按少开车天数")
    desk.check("factors")

    page.locator(f'[data-test="factor-{BEHAVIOUR}"]').click()
    expect(page).to_have_url(f"{desk.base_url}/console/operator/factors/{BEHAVIOUR}")
    versions = page.locator('[data-test="versions"]')
    expect(versions.locator(f'[data-test="version-{old["version"]}"]')).to_be_visible()
    expect(versions).to_contain_text("当前生效")
    desk.check("factor-versions")

    page.locator('[data-test="factor-new"]').click()
    form = page.locator('[data-test="factor-form"]')
    litre = field(form, "f-gco2e_per_litre")
    expect(litre).to_have_value(str(old["gco2e_per_litre"]))  # filled from the version in effect
    expect(field(form, "f-source")).to_have_value(old["source"])
    field(form, "f-daily_cap").fill("0")
    form.locator('[data-test="factor-preview"]').click()
    expect(form.locator('[data-test="factor-problems"]')).to_contain_text("每人每日上限（碳币）须为正整数")
    field(form, "f-daily_cap").fill(str(old["daily_cap"]))
    litre.fill(str(new_litre))
    source = old["source"] + " 2026-12 复核：汽油排放因子按最新公布值调整。"
    field(form, "f-source").fill(source)
    desk.check("factor-form")

    # a time of its own first: the diff says from when; back to the form, then "when saved"
    form.locator('[data-test="f-when"]').get_by_text("指定生效时间").click()
    form.locator('[data-test="factor-preview"]').click()
    expect(form.locator('[data-test="factor-problems"]')).to_contain_text("请选择生效时间")
    at = form.get_by_placeholder("选择生效时间（本地时间）")
    at.fill("2027-01-01 00:00:00")
    at.press("Enter")
    form.locator('[data-test="factor-preview"]').click()
    diff = page.locator('[data-test="factor-diff"]')
    expect(diff).to_contain_text("→ 2027-01-01 00:00")
    diff.get_by_role("button", name="返回").click()
    expect(diff).to_be_hidden()
    form.locator('[data-test="f-when"]').get_by_text("保存后立即生效").click()
    form.locator('[data-test="factor-preview"]').click()

    expect(diff).to_contain_text("→ 保存时立即生效")
    expect(diff).to_contain_text(f"与 v{old['version']} 的差异")
    expect(diff).to_contain_text("共 2 项改动")
    expect(diff.locator('[data-test="changed"]')).to_have_count(2)
    expect(diff.locator('[data-test="new-gco2e_per_litre"]')).to_have_text(f"{new_litre:,}")
    expect(diff.locator('[data-test="new-source"] ins')).to_have_text(source[len(old["source"]):])
    changed = diff.locator("tr.changed-row")
    expect(changed).to_have_count(2)
    expect(changed.first).to_contain_text("每升汽油排放（gCO2e）")
    expect(changed.first).to_contain_text(f"{old['gco2e_per_litre']:,}")
    desk.check("factor-diff")
    diff.locator('[data-test="factor-save"]').click()

    expect(diff).to_be_hidden()
    new_version = old["version"] + 1
    row = page.locator('[data-test="versions"] tr', has=page.locator(f'[data-test="version-{new_version}"]'))
    expect(row).to_contain_text("当前生效")
    expect(row).to_contain_text(f"{new_litre:,} g/升")
    expect(row).to_contain_text("2026-12 复核")
    was = page.locator(f'[data-test="version-{old["version"]}"]')
    old_row = page.locator('[data-test="versions"] tr', has=was)
    expect(old_row).to_contain_text("已被替代")
    desk.check("factor-new-version")

    page.locator('[data-test="lang"]').click()
    expect(page.get_by_role("heading", name="Car-free day")).to_be_visible()
    expect(row).to_contain_text("In effect")
    desk.check("factor-versions-en")


def test_given_the_operator_when_opening_and_closing_a_project_then_it_takes_no_more_donations(
    desk, console_admin, web_http
):
    name = f"湿地补植 {secrets.token_hex(2)}"
    console_login(desk, console_admin, "/operator/projects")
    page = desk.page
    expect(page.get_by_role("heading", name="公益项目")).to_be_visible()
    desk.check("projects")

    page.locator('[data-test="project-add"]').click()
    dialog = page.locator('[data-test="project-dialog"]')
    field(dialog, "project-name").fill(name)
    field(dialog, "project-description").fill("在海珠湿地补种水生植物。")
    field(dialog, "project-goal").fill("0")
    dialog.locator('[data-test="project-submit"]').click()
    expect(dialog).to_contain_text("目标碳币须为正整数")
    field(dialog, "project-goal").fill("20,000")
    desk.check("project-open")
    dialog.locator('[data-test="project-submit"]').click()

    row = page.locator('[data-test="projects"] tr', has_text=name)
    expect(row).to_contain_text("进行中")
    expect(row).to_contain_text("0 / 20,000")
    token = _admin_token(web_http, console_admin)
    status, body, _ = web_http.request("GET", "/v1/admin/projects?limit=100", token=token)
    project = next(p for p in body["items"] if p["name"] == name)

    row.locator(f'[data-test="project-close-{project["project_id"]}"]').click()
    box = page.get_by_role("dialog", name="关闭公益项目")
    expect(box).to_contain_text(f"关闭“{name}”后游客不能再向它捐赠")
    desk.check("project-close-confirm")
    box.get_by_role("button", name="取消", exact=True).click()
    expect(row).to_contain_text("进行中")  # changed their mind: still open

    row.locator(f'[data-test="project-close-{project["project_id"]}"]').click()
    box.get_by_role("button", name="关闭", exact=True).click()
    expect(row.locator(f'[data-test="project-status-{project["project_id"]}"]')).to_have_text("已关闭")
    desk.check("project-closed")
    status, body, _ = web_http.request("GET", "/v1/projects?limit=100", token=token)
    assert status == 200 and name not in {p["name"] for p in body["items"]}, body  # tourists' list

    # reloaded: among the closed ones, not among the open ones
    page.locator('[data-test="project-filter"]').get_by_text("已关闭").click()
    expect(page.locator('[data-test="projects"] tr', has_text=name)).to_contain_text("已关闭")
    page.locator('[data-test="project-filter"]').get_by_text("进行中").click()
    expect(page.locator('[data-test="projects"]')).not_to_contain_text(name)


def test_given_the_operator_when_ordering_an_export_then_it_completes_audits_ok_and_has_a_public_link(
    desk, console_admin, web_stack, web_http, staff_of, tourist
):
    from tests import factories

    # a credit recorded today: a tourist scans a scenic spot's ticket
    spot = staff_of("scenic_spot", "丹霞山景区")
    ticket = factories.make_asset(spot.partner_id, "ticket_product")
    someone = tourist()
    status, claim, _ = web_http.request("POST", "/v1/claims", {"code": factories.single_use(ticket)[0]},
                                        token=someone.access_token)
    assert status == 201, claim

    console_login(desk, console_admin, "/operator/exports")
    page = desk.page
    expect(page.get_by_role("heading", name="数据导出")).to_be_visible()
    desk.check("exports")
    page.locator('[data-test="export-order"]').click()  # today (UTC), the form's default

    expect(page).to_have_url(re.compile(r"/console/operator/exports/[^/]+$"))
    export_id = page.url.rsplit("/", 1)[1]
    expect(page.locator('[data-test="export-status"]')).to_have_text(re.compile("排队中|生成中|已完成"))
    desk.check("export-ordered")
    web_stack.dispatcher.drain()  # `make run` runs ExportFunction from the queue in the background
    expect(page.locator('[data-test="export-status"]')).to_have_text("已完成", timeout=15_000)

    files = page.locator('[data-test="files"]')
    expect(files.locator('[data-test="rows-behaviours.jsonl"]')).to_have_text(re.compile(r"^[1-9][0-9,]*$"))
    for name in ("behaviours.csv", "behaviours.jsonl", "manifest.json"):
        expect(files.locator(f'[data-test="sha-{name}"]')).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
        expect(files.locator(f'[data-test="download-{name}"]')).to_have_attribute("href", re.compile(r"^https?://"))
    manifest = page.locator('[data-test="manifest"]')
    expect(manifest.locator('[data-test="manifest-ok"]')).to_have_text("一致")
    expect(manifest.locator('[data-test="chain-ok"]')).to_have_text("一致")
    url = f"{desk.base_url}/v1/verify/exports/{export_id}"
    expect(field(page, "verify-url")).to_have_value(url)
    expect(page.locator('[data-test="verify-open"]')).to_have_attribute("href", url)
    desk.check("export-completed")

    page.locator('[data-test="audit-run"]').click()
    expect(page.locator('[data-test="audit-result"]')).to_contain_text("核对通过")
    expect(page.locator('[data-test="mismatches"]')).to_have_count(0)
    desk.check("export-audited")

    # the public link, as the buyer of the reductions opens it: no login, the manifest's facts
    with page.context.expect_page() as opened:
        page.locator('[data-test="verify-open"]').click()
    public = opened.value
    public.wait_for_load_state()
    verified = json.loads(public.locator("body").inner_text())
    assert verified["export_id"] == export_id and verified["manifest_ok"] is True, verified
    public.close()

    # the list shows it, completed
    page.get_by_role("link", name="数据导出").first.click()
    row = page.locator('[data-test="exports"] tr', has_text=export_id)
    expect(row).to_contain_text("已完成")
    desk.check("exports-listed")

    # in English
    page.locator('[data-test="lang"]').click()
    expect(row).to_contain_text("Completed")
    row.locator('[data-test="export-link"]').click()
    expect(page.get_by_role("heading", name=re.compile("^Export"))).to_be_visible()
    expect(page.locator('[data-test="manifest-ok"]')).to_have_text("matches")
    desk.check("export-en")


def test_given_scans_at_a_hotel_then_the_operator_sees_them_on_the_platforms_and_the_hotels_leaderboard(
    desk, console_admin, web_stack, web_http, staff_of, tourist
):
    from tests import factories

    hotel = staff_of("hotel", "榜单酒店")
    room = factories.make_asset(hotel.partner_id, "hotel_room")
    names = [f"榜{secrets.token_hex(2)}", f"单{secrets.token_hex(2)}"]
    for name in names:
        someone = tourist(name)
        status, body, _ = web_http.request("POST", "/v1/claims", {"code": factories.static(room)},
                                           token=someone.access_token)
        assert status == 201, body
    web_stack.dispatcher.drain()  # the stream aggregator keeps the boards

    console_login(desk, console_admin, "/operator/leaderboard")
    page = desk.page
    expect(page.get_by_role("heading", name="排行榜")).to_be_visible()
    board = page.locator('[data-test="board"]')
    expect(page.get_by_text("统计周期")).to_be_visible()
    expect(board.locator("tbody tr").first).to_be_visible()
    desk.check("leaderboard-week")

    page.locator('[data-test="board-scope"]').get_by_text("某个合作方").click()
    expect(board).to_contain_text("请选择合作方")
    page.locator('[data-test="board-partner"]').click()
    page.get_by_role("option", name=re.compile(hotel.name)).click()
    expect(board.locator("tbody tr")).to_have_count(2)  # its two guests, nobody else
    for name in names:
        expect(board).to_contain_text(name)
    expect(board.locator("tbody tr").first).to_contain_text("1")
    desk.check("leaderboard-partner")
    page.locator('[data-test="board-period"]').get_by_text("本月").click()
    expect(board.locator("tbody tr")).to_have_count(2)
    desk.check("leaderboard-partner-month")


def test_given_a_partners_staff_when_opening_an_operator_page_then_forbidden(desk, staff_of):
    clerk = staff_of("merchant", "绿意咖啡")
    console_login(desk, clerk, "/operator/partners")
    page = desk.page
    expect(page).to_have_url(f"{desk.base_url}/console/forbidden")
    expect(page.get_by_text("此账号不能打开这个页面")).to_be_visible()
    expect(page.get_by_text("平台管理")).to_have_count(0)  # no operator menu
    desk.check("forbidden")
    for path in ("/operator/factors/hotel_low_carbon_night", "/operator/exports", "/operator/projects",
                 "/operator/leaderboard", f"/operator/partners/{clerk.partner_id}"):
        desk.goto(f"/console{path}")
        expect(page).to_have_url(f"{desk.base_url}/console/forbidden")
        expect(page.get_by_text("此账号不能打开这个页面")).to_be_visible()


def test_given_a_tablet_then_the_operators_pages_fit_its_width(desk_at, console_admin):
    from tests.browser.support import TABLET

    tab = desk_at(TABLET)
    console_login(tab, console_admin, "/operator/partners")
    page = tab.page
    fits = "() => document.documentElement.scrollWidth <= window.innerWidth"
    for path, ready in (("/operator/partners", '[data-test="partners"]'),
                        ("/operator/factors", '[data-test="factors"]'),
                        (f"/operator/factors/{BEHAVIOUR}", '[data-test="versions"]'),
                        ("/operator/projects", '[data-test="projects"]'),
                        ("/operator/exports", '[data-test="exports"]'),
                        ("/operator/leaderboard", '[data-test="board"]')):
        tab.goto(f"/console{path}")
        expect(page.locator(ready)).to_be_visible()
        assert page.evaluate(fits), f"{path} is wider than the tablet"
        tab.check(f"tablet-{path.strip('/').replace('/', '-')}")
    tab.goto(f"/console/operator/factors/{BEHAVIOUR}")
    page.locator('[data-test="factor-new"]').click()
    expect(page.locator('[data-test="factor-form"]')).to_be_visible()
    assert page.evaluate(fits), "the factor form is wider than the tablet"
    tab.check("tablet-factor-form")
