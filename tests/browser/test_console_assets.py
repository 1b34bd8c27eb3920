"""The console's codes and assets (二维码与资产): a hotel's rooms and their labels, a boat operator's
boat (on a tablet), a scenic spot's and a manufacturer's print batches, each through the page a clerk
uses; a partner sees only its own."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.browser.conftest import Staff, console_login
from tests.browser.console_support import csv_rows, download, field
from tests.browser.support import Tab, expect

ERRORS = json.loads((Path(__file__).resolve().parents[2] / "web/src/i18n/errors.json").read_text("utf-8"))
LOADED = ("() => { const i = document.querySelector('[data-test=label-preview]');"
          " return i && i.complete && i.naturalWidth > 0 }")


def _field(tab: Tab, key: str) -> Any:
    return field(tab.page, f"field-{key}")


def _row(tab: Tab, text: str) -> Any:
    return tab.page.locator('[data-test="assets"] .el-table__body tr', has_text=text)


def _add(tab: Tab, **values: str) -> None:
    tab.page.locator('[data-test="asset-add"]').click()
    for key, value in values.items():
        _field(tab, key).fill(value)
    tab.page.locator('[data-test="asset-save"]').click()


def _pdf_qr(data: bytes) -> str:
    """The QR of a label PDF's first page (the whole page, else label slot 0 of a sheet)."""
    import pypdfium2

    from tests.support import decode_qr, page_image, scan_label

    doc = pypdfium2.PdfDocument(data)
    image = page_image(doc, 0)
    return decode_qr(image) or scan_label(image, 0)


# ----------------------------------------------------------------------------------- a hotel
def test_given_a_hotel_clerk_when_adding_renaming_and_printing_a_room_then_its_label_scans_and_credits_nights(
    desk: Tab, staff_of: Any, tourist: Any, web_http: Any, web_stack: Any
) -> None:
    from tests.support import decode_png

    clerk = staff_of("hotel", "晨曦酒店")
    desk.allow(r"status of 409")  # the second room 1208, refused on purpose
    console_login(desk, clerk, "/rooms")
    expect(desk.page.locator("h1")).to_have_text("客房")
    expect(desk.page.locator('[data-test="assets"]')).to_contain_text("还没有客房")
    desk.check("rooms-empty")

    # the form refuses an empty room number before sending anything
    desk.page.locator('[data-test="asset-add"]').click()
    desk.page.locator('[data-test="asset-save"]').click()
    expect(desk.page.locator('[data-test="asset-dialog"]')).to_contain_text("请填写房号")
    desk.check("room-form-refused")
    _field(desk, "room_number").fill("1208")
    desk.page.locator('[data-test="asset-save"]').click()
    expect(_row(desk, "1208")).to_contain_text("在用")
    desk.check("rooms-added")

    # the same number again: the API's 409 asset_exists in the clerk's words
    _add(desk, room_number="1208")
    expect(desk.page.locator('[data-test="asset-refused"]')).to_contain_text(ERRORS["asset_exists"]["zh"])
    desk.check("room-exists")
    desk.page.locator('[data-test="asset-dialog"] .el-dialog__footer button', has_text="取消").click()

    # rename 1208 → 1209
    _row(desk, "1208").locator('[data-test="asset-edit"]').click()
    _field(desk, "room_number").fill("1209")
    desk.page.locator('[data-test="asset-save"]').click()
    expect(_row(desk, "1209")).to_have_count(1)
    expect(_row(desk, "1208")).to_have_count(0)

    # its label: a preview, then the PDF and the PNG, whose QRs hold the code the page shows
    _row(desk, "1209").locator('[data-test="asset-label"]').click()
    expect(desk.page.locator('[data-test="label-preview"]')).to_be_visible()
    desk.page.wait_for_function(LOADED)
    desk.check("room-label")
    url = desk.page.locator('[data-test="label-dialog"] .url').inner_text().strip()
    assert re.match(r"^HTTPS?://.+/Q/[0-9A-Z]+$", url), url
    pdf = download(desk, '[data-test="label-pdf"]')
    assert pdf.startswith(b"%PDF")
    assert _pdf_qr(pdf) == url
    png = download(desk, '[data-test="label-png"]')
    assert png.startswith(b"\x89PNG")
    assert decode_png(png) == url
    desk.page.keyboard.press("Escape")

    # a guest scans it: the night shows beside the room after a refresh
    guest = tourist()
    status, body, _ = web_http.request("POST", "/v1/claims", {"code": url.rsplit("/", 1)[-1]},
                                       token=guest.access_token)
    assert status == 201, body
    web_stack.dispatcher.drain()
    desk.page.locator('[data-test="refresh"]').click()
    expect(_row(desk, "1209").locator('[data-test="credited"]')).to_have_text("1")
    desk.check("rooms-credited")

    # withdraw it as revoked (its label leaked): the number is free again
    _row(desk, "1209").locator('[data-test="asset-withdraw"]').click()
    desk.page.locator('[data-test="withdraw-revoke"]').click()
    desk.check("room-withdraw")
    desk.page.locator('[data-test="withdraw-confirm"]').click()
    expect(_row(desk, "1209")).to_contain_text("已作废")
    _add(desk, room_number="1209")
    expect(_row(desk, "1209").filter(has_text="在用")).to_have_count(1)

    desk.page.locator('[data-test="lang"]').click()
    expect(desk.page.locator("h1")).to_have_text("Rooms")
    desk.check("rooms-english")


def test_given_two_partners_of_a_role_then_a_clerk_sees_only_their_own_rooms_and_batches(
    desk: Tab, staff_of: Any, web_http: Any
) -> None:
    from tests import factories

    first: Staff = staff_of("hotel", "晨曦酒店")
    second: Staff = staff_of("hotel", "江畔酒店")
    assert first.partner_id
    factories.make_asset(first.partner_id, "hotel_room", attributes={"room_number": "8808"})
    console_login(desk, second, "/rooms")
    expect(desk.page.locator('[data-test="assets"]')).to_contain_text("还没有客房")
    expect(desk.page.locator('[data-test="assets"]')).not_to_contain_text("8808")
    desk.check("other-hotel-rooms")
    desk.page.locator('[data-test="logout"]').click()

    # a scenic spot's batch is not in another scenic spot's list
    spot: Staff = staff_of("scenic_spot", "丹霞山景区")
    other: Staff = staff_of("scenic_spot", "南华寺景区")
    assert spot.partner_id
    ticket = factories.make_asset(spot.partner_id, "ticket_product")
    _, login, _ = web_http.request("POST", "/v1/auth/login", {"phone": spot.phone, "password": spot.password})
    order = {"asset_id": ticket.asset_id, "count": 5}
    status, body, _ = web_http.request("POST", "/v1/partner/code-batches", order, token=login["access_token"])
    assert status == 202, body
    console_login(desk, other, "/print-batches")
    expect(desk.page.locator('[data-test="batches"]')).to_contain_text("还没有印制批次")
    expect(desk.page.locator('[data-test="batches"]')).not_to_contain_text(body["batch_id"])
    desk.check("other-spot-batches")


# ------------------------------------------------------------------------ print batches
def _order(desk: Tab, count: str) -> None:
    desk.page.locator('[data-test="batch-count"] input, input[data-test="batch-count"]').first.fill(count)
    desk.page.locator('[data-test="batch-order"]').click()


def _batch_row(desk: Tab) -> Any:
    return desk.page.locator('[data-test="batches"] .el-table__body tr').first


def test_given_a_scenic_spot_when_ordering_a_print_batch_then_its_pdf_and_csv_download_once_done(
    desk: Tab, staff_of: Any, web_stack: Any
) -> None:
    spot = staff_of("scenic_spot", "丹霞山景区")
    console_login(desk, spot, "/tickets")
    _add(desk, name="成人票 Adult")
    expect(_row(desk, "成人票")).to_contain_text("在用")
    desk.check("tickets")
    _row(desk, "成人票").locator('[data-test="asset-print"]').click()
    expect(desk.page.locator("h1")).to_have_text("印制批次")
    expect(desk.page.locator('[data-test="batches"]')).to_contain_text("还没有印制批次")
    desk.check("batches-empty")

    _order(desk, "0")  # refused before sending
    expect(desk.page.locator(".el-form-item__error")).to_contain_text("1 至 1,000,000")
    _order(desk, "30")
    expect(_batch_row(desk)).to_contain_text("成人票")
    desk.check("batch-ordered")
    web_stack.dispatcher.drain()  # the print queue's chunk, as CodeBatchFunction does on AWS
    expect(_batch_row(desk).locator('[data-test="batch-status"]')).to_have_text("已完成", timeout=15_000)
    expect(_batch_row(desk).locator('[data-test="batch-progress"]')).to_have_text("30 / 30")
    desk.check("batch-done")

    _batch_row(desk).locator('[data-test="batch-files"]').click()
    pdf_link = desk.page.locator('[data-test="batch-pdf"]').first
    expect(pdf_link).to_be_visible()
    desk.check("batch-files")
    # the presigned links answer as attachments: a click saves each file, the page stays
    pdf = download(desk, '[data-test="batch-pdf"]')
    assert pdf.startswith(b"%PDF")
    first_code = _pdf_qr(pdf)
    rows = csv_rows(download(desk, '[data-test="batch-csv"]'))
    urls = [cell for row in rows for cell in row if "/Q/" in cell]
    assert len(urls) == 30 and first_code in urls, (first_code, rows[:3])
    expect(desk.page).to_have_url(re.compile(r"/console/print-batches"))
    desk.page.keyboard.press("Escape")

    # revoke the batch, after its confirmation
    _batch_row(desk).locator('[data-test="batch-revoke"]').click()
    expect(desk.page.locator(".el-message-box")).to_contain_text("30 个二维码")
    desk.check("batch-revoke-confirm")
    desk.page.locator(".el-message-box__btns button", has_text="确认作废").click()
    expect(_batch_row(desk).locator('[data-test="batch-status"]')).to_have_text("已作废")
    desk.check("batch-revoked")


def test_given_a_manufacturer_when_adding_a_sku_and_ordering_its_batch_then_it_prints_and_downloads(
    desk: Tab, staff_of: Any, web_stack: Any
) -> None:
    maker = staff_of("manufacturer", "绿源电器")
    console_login(desk, maker, "/products")
    _add(desk, product_name="节能冰箱 BCD-200", sku="FR-200", gtin="6901234567890")  # wrong check digit
    expect(desk.page.locator('[data-test="asset-dialog"]')).to_contain_text("GTIN 校验位不对")
    desk.check("sku-form-refused")
    _field(desk, "gtin").fill("6901234567892")
    desk.page.locator('[data-test="asset-save"]').click()
    expect(_row(desk, "FR-200")).to_contain_text("6901234567892")
    desk.check("products")

    sent: list[tuple[str, str, dict[str, str]]] = []

    def note(request: Any) -> None:
        if "/code-batches" in request.url:
            sent.append((request.method, request.url, request.headers))

    desk.page.on("request", note)
    desk.goto("/console/print-batches")
    desk.page.locator('[data-test="batch-asset"]').click()
    desk.page.locator(".el-select-dropdown__item", has_text="节能冰箱").click()
    _order(desk, "1,200")
    expect(_batch_row(desk)).to_contain_text("节能冰箱")
    orders = [headers for method, _, headers in sent if method == "POST"]
    assert len(orders) == 1 and len(orders[0].get("idempotency-key", "")) >= 16, orders

    # the open batch is polled while the page is open, and no longer once the clerk leaves it
    polls = re.compile(r"/v1/partner/code-batches/[0-9A-F]{6}$")
    for _ in range(50):
        if any(polls.search(url) for _, url, _ in sent):
            break
        desk.page.wait_for_timeout(100)
    assert any(polls.search(url) for _, url, _ in sent), sent
    desk.page.locator("nav a", has_text="产品（SKU）").first.click()
    expect(desk.page.locator("h1")).to_have_text("产品（SKU）")
    left = len(sent)
    desk.page.wait_for_timeout(4500)  # two poll intervals
    assert not [url for _, url, _ in sent[left:] if polls.search(url)], sent[left:]
    desk.page.locator("nav a", has_text="印制批次").first.click()
    web_stack.dispatcher.drain()
    expect(_batch_row(desk).locator('[data-test="batch-status"]')).to_have_text("已完成", timeout=15_000)
    expect(_batch_row(desk).locator('[data-test="batch-progress"]')).to_have_text("1,200 / 1,200")
    desk.check("sku-batch-done")

    # downloaded: the packaging labels carry the SKU's GS1 Digital Link (its GTIN as 14 digits), one row
    # a code in the CSV
    _batch_row(desk).locator('[data-test="batch-files"]').click()
    expect(desk.page.locator('[data-test="batch-pdf"]').first).to_be_visible()
    pdf = download(desk, '[data-test="batch-pdf"]')
    first_code = _pdf_qr(pdf)
    assert "/01/06901234567892/21/" in first_code, first_code
    rows = csv_rows(download(desk, '[data-test="batch-csv"]'))
    urls = [cell for row in rows for cell in row if "/01/06901234567892/21/" in cell]
    assert first_code in urls and len(set(urls)) == len(urls), (first_code, len(urls))


# ------------------------------------------------------------------------ a transport operator
def test_given_a_boat_operator_on_a_tablet_when_adding_a_boat_then_its_code_and_its_screen_are_a_click_away(
    desk_at: Any, staff_of: Any
) -> None:
    from tests.browser.support import TABLET
    from tests.support import decode_png

    tab = desk_at(TABLET)
    operator = staff_of("transport_operator", "丹霞环保游船")
    console_login(tab, operator, "/vehicles")
    expect(tab.page.locator('[data-test="assets"]')).to_contain_text("还没有车船")
    tab.page.locator('[data-test="asset-add"]').click()
    tab.page.locator('[data-test="field-vehicle_type"]').click()
    tab.page.locator(".el-select-dropdown__item", has_text="游船").click()
    _field(tab, "plate").fill("丹霞1号")
    _field(tab, "route_km").fill("0")
    tab.page.locator('[data-test="asset-save"]').click()
    expect(tab.page.locator('[data-test="asset-dialog"]')).to_contain_text("须为大于 0、不超过 1000 的数字")
    tab.check("boat-form-refused")
    _field(tab, "route_km").fill("8.5")
    tab.page.locator('[data-test="asset-save"]').click()
    row = _row(tab, "丹霞1号")
    expect(row).to_contain_text("游船")
    expect(row).to_contain_text("8.5")
    tab.check("boats")

    href = row.locator('[data-test="asset-screen"]').get_attribute("href") or ""
    assert re.fullmatch(r"/console/screen/[0-9A-F]{6}", href), href
    row.locator('[data-test="asset-label"]').click()
    expect(tab.page.locator('[data-test="label-preview"]')).to_be_visible()
    tab.page.wait_for_function(LOADED)
    tab.check("boat-label")
    url = tab.page.locator('[data-test="label-dialog"] .url').inner_text().strip()
    assert decode_png(download(tab, '[data-test="label-png"]')) == url
