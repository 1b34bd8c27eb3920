"""Browser tests: Debian's Chromium driven by Playwright for Python, on the local stack that
`make run` starts (gateway + moto) with web/dist published to its web bucket, so the H5 is served
at the API's origin under the same Content-Security-Policy as on AWS.

Every test runs at 390×844 and 360×640 (a mobile, touch, zh-CN context each; the smaller one
with WeChat's user agent). Skipped when Chromium, the playwright module, web/dist or axe-core is
missing, unless TANHUI_REQUIRE_BROWSER=1 (CI), which fails instead."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest

from tests.browser.support import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    DESK,
    PHONES,
    REQUIRE,
    Http,
    Phone,
    Tab,
    Tourist,
    missing,
    safe_name,
)

# a point of the demo boat's pier on the Jinjiang river below Danxia Mountain, and its fence
PIER = {"latitude": 25.0203, "longitude": 113.7361}
FENCE_RADIUS_M = 300


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives Chromium through the H5 (tests/browser)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = os.path.dirname(__file__)
    gaps = missing()
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.browser)
            if gaps and not REQUIRE:
                item.add_marker(pytest.mark.skip(reason="browser tests need: " + "; ".join(gaps)))


@pytest.fixture(scope="session", autouse=True)
def _browser_prerequisites() -> None:
    gaps = missing()
    if gaps:  # only reached with TANHUI_REQUIRE_BROWSER=1 (otherwise the tests are skipped)
        pytest.fail("TANHUI_REQUIRE_BROWSER=1 but the browser tests cannot run:\n  " + "\n  ".join(gaps),
                    pytrace=False)


# ------------------------------------------------------------------------------ the stack
@pytest.fixture(scope="session")
def web_stack(aws: Any) -> Iterator[Any]:
    """The gateway `make run` starts, on a free port, with web/dist in the web bucket."""
    from infra.local.run import Stack

    stack = Stack(port=0, endpoint=aws.endpoint)
    stack.aws = aws
    stack.start_api()
    stack.publish_web()
    yield stack
    stack.server.shutdown()


@pytest.fixture(scope="session")
def web_http(web_stack: Any) -> Http:
    return Http(web_stack.url)


def _login(http: Http, phone: str, password: str) -> str:
    status, body, _ = http.request("POST", "/v1/auth/login", {"phone": phone, "password": password})
    assert status == 200, body
    return body["access_token"]


@pytest.fixture(scope="session")
def consent_version(web_http: Http) -> str:
    from infra.local.seed import CONSENT_VERSION

    status, body, _ = web_http.request("GET", "/v1/consent")
    return body["version"] if status == 200 else CONSENT_VERSION


@pytest.fixture(scope="session")
def h5(web_http: Http, aws: Any) -> SimpleNamespace:
    """What the tourist's pages need, made with the code `infra/local/seed.py` runs (fresh
    partners, so the e2e tests' demo seed can share the session): a scenic spot's ticket
    product (a fresh single-use code per call of `ticket()`), a boat whose code needs the phone's
    location inside a fence at the pier, a hotel room, the alliance cafe's offer (1 coin) with a
    staff login for its till, and an open donation project."""
    from tanhui.claims import factors
    from tanhui.donations import projects
    from tanhui.donations.schemas import ProjectIn
    from tanhui.partners import registry as partners
    from tanhui.partners.schemas import PartnerIn, StaffIn
    from tanhui.spending import offers
    from tanhui.spending.schemas import OfferIn

    from infra.local.seed import DEMO_OFFER
    from tests import factories
    from tests.support import unique_phone

    factors.seed_defaults()
    made: dict[str, Any] = {}
    for role, name in (("scenic_spot", "丹霞山景区"), ("transport_operator", "丹霞环保游船"),
                       ("hotel", "丹霞绿色酒店"), ("merchant", "碳惠联盟咖啡")):
        partner = partners.create_partner(PartnerIn.model_validate(
            {"name": f"{name} {secrets.token_hex(2)}", "role": role, "contact": {"phone": "+8620123456"}}))
        phone, password = unique_phone(), "till-pass-2026"
        staff = StaffIn(phone=phone, password=password, display_name="收银台")
        partners.create_staff(partner.partner_id, staff)
        made[role] = SimpleNamespace(partner_id=partner.partner_id, name=partner.name, phone=phone,
                                     password=password)
    ticket = factories.make_asset(made["scenic_spot"].partner_id, "ticket_product")
    boat = factories.make_asset(
        made["transport_operator"].partner_id, "vehicle",
        geofence={"lat": PIER["latitude"], "lng": PIER["longitude"], "radius_m": FENCE_RADIUS_M,
                  "required": True},
    )
    room = factories.make_asset(made["hotel"].partner_id, "hotel_room")
    offer = offers.create(made["merchant"].partner_id, OfferIn.model_validate(DEMO_OFFER | {"coins_cost": 1}))
    project = projects.create_project(
        ProjectIn(name="红树林修复 Mangrove restoration", description="湛江红树林补种。Replant the estuary.",
                  goal_coins=10_000),
        created_by="browser-tests",
    )

    def path(url: str) -> str:
        return url[url.index("/", len("https://")):]

    return SimpleNamespace(
        partners=made,
        ticket=lambda: path(factories.single_use(ticket)[0]),
        boat=path(factories.static(boat)),
        room=path(factories.static(room)),
        pier=PIER,
        offer_id=offer.offer_id,
        offer_title=offer.title,
        project_id=project.project_id,
        project_name=project.name,
        till_token=lambda: _login(web_http, made["merchant"].phone, made["merchant"].password),
    )


@pytest.fixture
def tourist(web_http: Http, consent_version: str):
    """Factory: a tourist registered (with consent) through the API, not yet logged in anywhere."""
    from tests.support import unique_phone

    def make(display_name: str = "小林") -> Tourist:
        phone, password = unique_phone(), "green-trip-2026"
        status, body, _ = web_http.request("POST", "/v1/auth/register", {
            "phone": phone, "password": password, "display_name": display_name,
            "consent": {"version": consent_version, "accepted": True},
        })
        assert status == 201, body
        return Tourist(phone, password, display_name, _login(web_http, phone, password))

    return make


# ---------------------------------------------------------------------------- the browser
@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session. Playwright gives each launch a new temporary
    profile (its own --user-data-dir), and each test a new context (no cookies, no storage)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(params=PHONES, ids=[p.size for p in PHONES])
def phone(request: pytest.FixtureRequest) -> Phone:
    return request.param


@pytest.fixture
def context(browser: Any, phone: Phone, web_stack: Any) -> Iterator[Any]:
    ctx = browser.new_context(
        viewport={"width": phone.width, "height": phone.height},
        screen={"width": phone.width, "height": phone.height},
        device_scale_factor=2, is_mobile=True, has_touch=True, user_agent=phone.user_agent,
        locale="zh-CN", timezone_id="Asia/Shanghai",
    )
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def tab(context: Any, phone: Phone, web_stack: Any, request: pytest.FixtureRequest) -> Iterator[Tab]:
    """A page of the H5: screenshots into artifacts/<test>/, axe-core per `check()`; the test fails
    on any console error, uncaught exception or CSP violation it did not `allow()`."""
    folder = ARTIFACTS / safe_name(request.node.originalname)
    for old in folder.glob(f"*-{phone.size}.png"):
        old.unlink()
    t = Tab(context.new_page(), phone, folder, web_stack.url)
    yield t
    if request.node.stash.get(FAILED, False):  # what the page showed when the test failed
        t.page.screenshot(path=str(folder / f"{t.shots + 1:02d}-FAILED-{phone.size}.png"), full_page=True)
    if t.errors:
        pytest.fail("the page reported errors:\n  " + "\n  ".join(t.errors), pytrace=False)


FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call" and report.failed:
        item.stash[FAILED] = True
    return report


# ----------------------------------------------------------------------------- the console
@dataclass
class Staff:
    """A console login: a partner's staff (partner_id, name, role) or the operator (role admin)."""

    role: str
    phone: str
    password: str
    partner_id: str | None = None
    name: str = ""


def _platform_login(group: str, name: str, display_name: str, password: str) -> Staff:
    """A fresh login of the platform's own people (Cognito group admin or regulator), as
    `infra/local/seed.py` makes the demo's."""
    from tanhui.identity import cognito
    from tanhui.identity.users import ensure_account

    from tests.support import unique_phone

    phone = unique_phone()
    user_id = cognito.create_staff_user(phone, password, {"phone_number": phone, "name": name}, group=group)
    ensure_account(user_id=user_id, phone=phone, display_name=display_name, role=group)
    return Staff(group, phone, password)


@pytest.fixture(scope="session")
def console_admin(web_stack: Any) -> Staff:
    """A fresh operator login (Cognito group admin)."""
    return _platform_login("admin", "运营", "运营小王", "operator-2026")


@pytest.fixture(scope="session")
def console_regulator(web_stack: Any) -> Staff:
    """A fresh regulator login (Cognito group regulator, 监管)."""
    return _platform_login("regulator", "监管", "监管小李", "regulator-2026")


@pytest.fixture
def staff_of(web_stack: Any):
    """Factory: a fresh partner of `role` (its Chinese `name`) with one staff login."""
    from tanhui.claims import factors
    from tanhui.partners import registry as partners
    from tanhui.partners.schemas import PartnerIn, StaffIn

    from tests.support import unique_phone

    factors.seed_defaults()

    def make(role: str, name: str | None = None, display_name: str = "前台小陈") -> Staff:
        partner = partners.create_partner(PartnerIn.model_validate(
            {"name": f"{name or role} {secrets.token_hex(2)}", "role": role,
             "contact": {"phone": "+8620123456"}}))
        phone, password = unique_phone(), "desk-pass-2026"
        partners.create_staff(partner.partner_id,
                              StaffIn(phone=phone, password=password, display_name=display_name))
        return Staff(role, phone, password, partner.partner_id, partner.name)

    return make


def _tab_in(browser: Any, web_stack: Any, request: pytest.FixtureRequest, screen: Phone) -> Iterator[Tab]:
    ctx = browser.new_context(
        viewport={"width": screen.width, "height": screen.height},
        user_agent=screen.user_agent, locale="zh-CN", timezone_id="Asia/Shanghai", accept_downloads=True,
    )
    ctx.set_default_timeout(10_000)
    folder = ARTIFACTS / safe_name(request.node.originalname)
    for old in folder.glob(f"*-{screen.size}.png"):
        old.unlink()
    t = Tab(ctx.new_page(), screen, folder, web_stack.url)
    try:
        yield t
        if request.node.stash.get(FAILED, False):
            failed = folder / f"{t.shots + 1:02d}-FAILED-{screen.size}.png"
            t.page.screenshot(path=str(failed), full_page=True)
        if t.errors:
            pytest.fail("the page reported errors:\n  " + "\n  ".join(t.errors), pytrace=False)
    finally:
        ctx.close()


@pytest.fixture
def desk(browser: Any, web_stack: Any, request: pytest.FixtureRequest) -> Iterator[Tab]:
    """A console page on a desktop screen (1440×900): screenshots and axe-core as `tab`."""
    yield from _tab_in(browser, web_stack, request, DESK)


@pytest.fixture
def desk_at(browser: Any, web_stack: Any, request: pytest.FixtureRequest):
    """Factory: a console page on another screen (support.TABLET for the till, the on-board
    screen); the contexts close at the test's end."""
    opened: list[Iterator[Tab]] = []

    def make(screen: Phone) -> Tab:
        gen = _tab_in(browser, web_stack, request, screen)
        opened.append(gen)
        return next(gen)

    yield make
    for gen in opened:
        next(gen, None)


def console_login(tab: Tab, who: Staff, path: str = "/") -> None:
    """Signs `who` in at /console/login?next=<path> as a clerk does; waits for the page's header."""
    from urllib.parse import quote

    tab.goto(f"/console/login?next={quote(path)}")
    tab.page.locator('input[data-test="phone"], [data-test="phone"] input').fill(who.phone)
    tab.page.locator('input[data-test="password"], [data-test="password"] input').fill(who.password)
    tab.page.locator('[data-test="submit"]').click()
    tab.page.locator('[data-test="who"]').wait_for()
