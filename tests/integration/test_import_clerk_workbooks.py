"""A front desk's export as Excel saves it (.xlsx and the older .xls, built by
tests/data/make_workbooks.py): a title block (酒店入住明细表, 导出时间), Chinese headers with extra
columns (序号, 姓名, 备注), phones stored as numbers, check-in days as Excel date serials, a 合计 row.
Asserts the exact credits, pendings and rejects with their Chinese reasons, and the rejects file: the
clerk's own rows, every column, + 原因 / reason, as a workbook again (text cells, so a phone is not
shown as 1.38E+10 nor an account number stripped of its zeros when the clerk opens it).
"Today" is 2026-11-30 (Asia/Shanghai): the window of 90 days starts 2026-09-01."""

from __future__ import annotations

import base64
import io
import json
from datetime import date

import pytest
import urllib3
from openpyxl import load_workbook
from tanhui.claims import factors
from tanhui.imports import report, window
from tanhui.models.wallet import Wallet

from tests.data.make_workbooks import cut_part, hotel_stays, write_xls, write_xlsx
from tests.support import import_file, unique_phone

TODAY = date(2026, 11, 30)
FUTURE = "晚于今天（2026-11-30，北京时间）：只接受今天及之前 90 天内的行为，发生后再上传"
TOO_OLD = "早于 90 天前（2026-09-01 之前）：只接受最近 90 天内的行为"
WRITERS = {"xlsx": write_xlsx, "xls": write_xls}


@pytest.fixture(scope="module", autouse=True)
def _ready(aws):
    factors.seed_defaults()


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(window, "local_today", lambda: TODAY)


def _number(phone: str) -> int:
    return int(phone.removeprefix("+86"))


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_given_a_front_desks_workbook_then_title_extras_and_total_skipped_and_each_row_reported(
    api, dispatcher, register, make_partner, tmp_path, fmt
):
    hotel = make_partner("hotel")
    for number in ("1208", "1209"):
        assert api.post(
            "/v1/partner/assets", {"kind": "hotel_room", "attributes": {"room_number": number}}, as_=hotel
        ).status == 201
    guest, nobody = register("林小姐"), _number(unique_phone())
    me = _number(guest.phone)
    stays = [
        (me, 1208, date(2026, 11, 20), 2),  # credited: two nights
        (nobody, 1208, date(2026, 11, 23), 1),  # pending
        (1380013800, 1209, date(2026, 11, 24), 1),  # a digit short
        (me, 1210, date(2026, 11, 25), 1),  # no such room
        (me, 1208, date(2027, 1, 5), 2),  # an advance booking
        (me, 1208, date(2026, 6, 1), 1),  # too old
    ]
    path = WRITERS[fmt](tmp_path / f"十一月入住明细.{fmt}", {"入住明细": hotel_stays(stays, TODAY)})

    job = import_file(api, dispatcher, hotel, "hotel_stays", path.read_bytes(), path.name,
                      "application/octet-stream")

    assert job["status"] == "completed", job
    assert job["counts"] == {
        "rows": 6, "credited": 1, "duplicate": 0, "pending": 1, "unmatched": 0, "invalid": 4,
        "over_quota": 0, "no_reduction": 0,
    }
    assert job["reasons"] == {
        "not_registered": 1, "invalid_value": 1, "asset_not_found": 1, "future_date": 1, "too_old": 1
    }
    night = factors.factor_for("hotel_low_carbon_night", "2026-11-20T12:00:00.000Z")
    coins = int(Wallet.get(*Wallet.key(guest.user_id), consistent_read=True).coins)
    assert job["coins"] == 2 * int(night.coins_per_unit) == coins
    assert job["ignored_columns"] == ["序号", "姓名", "备注"] and job["skipped_rows"] == 1
    assert job["notes"] == [
        "这些列没有用到，已忽略：「序号」、「姓名」、「备注」",
        "表头上方的 2 行（标题、导出时间等）已跳过",
        "「房号」列在工作簿里存为数字：开头的 0 可能已丢失（如 0012345 变成 12345）；"
        "请把该列设为“文本”后重新导出",
    ]

    got = urllib3.request("GET", job["rejects_url"])
    assert got.headers["content-type"] == report.XLSX_MEDIA_TYPE
    assert f'filename="{job["import_id"]}-rejected_rows.xlsx"' in got.headers["content-disposition"]
    raw = got.data
    sheet = load_workbook(io.BytesIO(raw), read_only=True).worksheets[0]
    rows = [["" if v is None else v for v in r] for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["序号", "姓名", "手机号码", "房号", "入住日期", "晚数", "备注", "原因", "reason"]
    pending = report.ZH["not_registered"]
    assert [r[:8] for r in rows[1:]] == [
        ["2", "客人2", str(nobody), "1208", "2026-11-23", "1", "", f"第 6 行 {pending}"],
        ["3", "客人3", "1380013800", "1209", "2026-11-24", "1", "含早",
         '第 7 行「手机号码」列 "1380013800" 不是 11 位手机号，也不是用户 ID'],
        ["4", "客人4", str(me), "1210", "2026-11-25", "1", "",
         '第 8 行「房号」列 "1210" 不是本酒店登记的房间'],
        ["5", "客人5", str(me), "1208", "2027-01-05", "2", "含早",
         f'第 9 行「入住日期」列 "2027-01-05" {FUTURE}'],
        ["6", "客人6", str(me), "1208", "2026-06-01", "1", "",
         f'第 10 行「入住日期」列 "2026-06-01" {TOO_OLD}'],
    ]
    assert rows[3][8] == 'Row 8, column "房号": "1210" is not one of this hotel\'s rooms.'


def test_given_a_workbook_cut_short_then_preview_422_and_the_upload_quarantined_not_failed(
    api, dispatcher, make_partner, tmp_path
):
    hotel = make_partner("hotel")
    rows = [["手机号", "房号", "入住日期", "晚数"], [13800138000, 808, date(2026, 11, 20), 1]]
    made = write_xlsx(tmp_path / "w.xlsx", {"Sheet1": rows})
    data = cut_part(made, "xl/worksheets/sheet1.xml", tmp_path / "cut.xlsx").read_bytes()

    preview = api.post(
        "/v1/partner/imports/preview",
        {"type": "hotel_stays", "content_base64": base64.b64encode(data).decode()},
        as_=hotel,
    )
    job = import_file(api, dispatcher, hotel, "hotel_stays", data, "入住.xlsx", "application/octet-stream")

    assert (preview.status, preview.error_code) == (422, "preview_unreadable"), preview.body
    assert (job["status"], job["reason_code"]) == ("quarantined", "workbook_unreadable"), job
    assert job["reason"].startswith("无法读取这个 .xlsx 工作簿")
    assert json.loads(urllib3.request("GET", job["report_url"]).data)["reason_code"] == "workbook_unreadable"
