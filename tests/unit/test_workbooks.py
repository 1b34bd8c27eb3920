"""Workbooks → CSV (imports.workbooks): cells as a clerk sees them, sheets, and the files refused."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

import pytest
from tanhui.imports import workbooks
from tanhui.imports.workbooks import WorkbookRejected, convert, number_text

from tests.data.make_workbooks import cut_part, hotel_stays, utility_savings, write_xls, write_xlsx

WRITERS = {"xlsx": write_xlsx, "xls": write_xls}


def _csv(path: Path, **kwargs) -> tuple[workbooks.Converted, list[list[str]]]:
    out = io.BytesIO()
    found = convert(str(path), out, **kwargs)
    return found, list(csv.reader(io.StringIO(out.getvalue().decode("utf-8"))))


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_given_a_front_desk_export_then_phones_digits_days_iso_and_every_line_as_wide(tmp_path, fmt):
    stays = [(13800138000, 808, date(2026, 10, 5), 2), (13912345678, "1209", date(2026, 10, 31), 1)]
    path = WRITERS[fmt](tmp_path / f"stays.{fmt}", {"入住明细": hotel_stays(stays, date(2026, 11, 3))})

    found, rows = _csv(path)

    assert (found.source_format, found.sheet, found.width) == (fmt, "入住明细", 7)
    assert rows == [
        ["酒店入住明细表", "", "", "", "", "", ""],
        ["导出时间", "2026-11-03", "", "", "", "", ""],
        [],
        ["序号", "姓名", "手机号码", "房号", "入住日期", "晚数", "备注"],
        ["1", "客人1", "13800138000", "808", "2026-10-05", "2", "含早"],
        ["2", "客人2", "13912345678", "1209", "2026-10-31", "1", ""],
        ["合计", "", "", "", "", "3", ""],
    ]
    assert found.numeric_columns == ("序号", "手机号码", "房号", "晚数")


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_given_account_numbers_stored_as_numbers_then_they_are_numeric_columns(tmp_path, fmt):
    sheets = utility_savings([(12345678, "2026-10", 35.5), (2345678901, "2026-10", 120.0)])
    found, rows = _csv(WRITERS[fmt](tmp_path / f"u.{fmt}", sheets))
    assert rows == [
        ["户号", "月份", "节约电量(kWh)"],
        ["12345678", "2026-10", "35.5"],
        ["2345678901", "2026-10", "120"],
    ]
    assert found.numeric_columns == ("户号", "节约电量(kWh)")


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_given_a_sheet_named_in_the_request_then_that_one_loosely_matched_else_refused(tmp_path, fmt):
    sheets = utility_savings([(1, "2026-10", 1.0)])
    path = WRITERS[fmt](tmp_path / f"u.{fmt}", sheets)
    assert _csv(path, sheet=" 说明 ")[1] == [["户号为 10 位，前面的 0 不能省"]]
    with pytest.raises(WorkbookRejected) as refused:
        _csv(path, sheet="Sheet1")
    assert refused.value.code == "sheet_not_found"
    assert refused.value.zh == "工作簿里没有名为「Sheet1」的工作表；有：「节电明细」、「说明」"
    assert refused.value.message == 'the workbook has no sheet named "Sheet1"; it has: 节电明细, 说明'


def _with_cell_text(path: Path, placeholder: int, text: str) -> Path:
    """The .xlsx with one number cell's stored text replaced (as another program may write it)."""
    import zipfile

    data = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(data, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                body = body.replace(f"<v>{placeholder}</v>".encode(), f"<v>{text}</v>".encode())
            dst.writestr(info, body)
    path.write_bytes(data.getvalue())
    return path


def test_given_times_big_integers_and_fractions_then_as_excel_shows_them(tmp_path):
    rows = [
        ["when", "big", "fraction", "float phone", "flag"],
        [datetime(2026, 11, 3, 8, 15), 777, 0.1 + 0.2, 13800138000.0, True],
        [datetime(2026, 11, 3, 0, 0), -42, 2.5, 1e20, False],
    ]
    path = _with_cell_text(write_xlsx(tmp_path / "t.xlsx", {"s": rows}), 777, "12345678901234567890123")
    _, out = _csv(path)
    assert out[1] == ["2026-11-03 08:15:00", "12345678901234567890123", "0.3", "13800138000", "TRUE"]
    assert out[2] == ["2026-11-03 00:00:00", "-42", "2.5", "100000000000000000000", "FALSE"]


def test_number_text_keeps_digits_without_float_loss():
    assert number_text(13800138000.0) == "13800138000"
    assert number_text(2**60) == str(2**60)
    assert number_text(6.2258802123456784e15) == "6225880212345678"
    assert number_text(float("nan")) == ""
    assert number_text(1.25) == "1.25"


def test_given_gaps_and_a_row_wider_than_the_rest_then_row_numbers_kept_and_lines_padded(tmp_path):
    rows: list[list] = [["a", "b"], [], [], ["1", "2"], ["3", "4", "note"], [], []]
    _, out = _csv(write_xlsx(tmp_path / "g.xlsx", {"s": rows}))
    assert out == [["a", "b", ""], [], [], ["1", "2", ""], ["3", "4", "note"]]


def test_given_a_sheet_declaring_all_16384_columns_then_lines_as_wide_as_its_cells(tmp_path):
    import re
    import zipfile

    stays = ([13800138000 + n, 808, date(2026, 11, 20), 1] for n in range(50))
    rows = [["手机号", "房号", "入住日期", "晚数"], *stays]
    made = write_xlsx(tmp_path / "w.xlsx", {"s": rows})
    wide = tmp_path / "wide.xlsx"  # as some exports save it: <dimension ref="A1:XFD51"/>
    with zipfile.ZipFile(made) as src, zipfile.ZipFile(wide, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                pr = rb"(<sheetPr.*?</sheetPr>|<sheetPr[^>]*/>)"
                body = re.sub(pr, rb'\1<dimension ref="A1:XFD51"/>', body)
                assert b"XFD51" in body
            dst.writestr(info, body)

    found, out = _csv(wide)

    assert (found.width, found.rows) == (4, 51)
    assert out[1] == ["13800138000", "808", "2026-11-20", "1"] and {len(line) for line in out} == {4}


XLSX_PARTS = [  # the parts openpyxl parses (a cut _rels/.rels or docProps/app.xml it does without)
    "[Content_Types].xml", "docProps/core.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
    "xl/styles.xml", "xl/worksheets/sheet1.xml",
]


@pytest.mark.parametrize("part", XLSX_PARTS)
def test_given_an_xlsx_with_a_part_cut_short_then_unreadable_not_a_crash(tmp_path, part):
    rows = [["手机号", "房号", "入住日期", "晚数"], [13800138000, 808, date(2026, 11, 20), 1]]
    made = write_xlsx(tmp_path / "w.xlsx", {"Sheet1": rows})
    with pytest.raises(WorkbookRejected) as refused:
        convert(str(cut_part(made, part, tmp_path / "cut.xlsx")), io.BytesIO())
    assert refused.value.code == "workbook_unreadable"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"PK\x03\x04" + b"\x00" * 200, "workbook_unreadable"),
        (workbooks.OLE2_MAGIC + b"\x00" * 600, "workbook_unreadable"),
        (
            workbooks.OLE2_MAGIC + b"\x00" * 100 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 100,
            "workbook_encrypted",
        ),
    ],
    ids=["corrupt zip", "corrupt ole2", "password-protected xlsx"],
)
def test_given_a_bad_workbook_then_refused_with_a_stable_code_and_chinese_first(tmp_path, data, code):
    path = tmp_path / "bad"
    path.write_bytes(data)
    with pytest.raises(WorkbookRejected) as refused:
        _csv(path)
    assert refused.value.code == code and "\u4e00" <= refused.value.zh[0] <= "\u9fff"


def test_given_an_encrypted_xls_then_refused_as_encrypted(tmp_path, monkeypatch):
    import xlrd

    def encrypted(*_a, **_k):
        raise xlrd.XLRDError("Workbook is encrypted")

    monkeypatch.setattr(xlrd, "open_workbook", encrypted)
    path = write_xls(tmp_path / "e.xls", {"s": [["a"]]})
    with pytest.raises(WorkbookRejected) as refused:
        _csv(path)
    assert refused.value.code == "workbook_encrypted"


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_given_an_empty_sheet_then_refused_as_empty(tmp_path, fmt):
    path = WRITERS[fmt](tmp_path / f"e.{fmt}", {"空白": [[]]})
    with pytest.raises(WorkbookRejected) as refused:
        _csv(path)
    assert (refused.value.code, refused.value.zh) == ("empty_file", "工作表「空白」是空的")


def test_given_a_sheet_larger_than_the_limit_as_csv_then_too_large(tmp_path):
    path = write_xlsx(tmp_path / "big.xlsx", {"s": [["x" * 50]] * 100})
    with pytest.raises(WorkbookRejected) as refused:
        _csv(path, max_bytes=1000)
    assert refused.value.code == "too_large"


def test_kind_is_by_magic_and_the_converted_key_sits_beside_the_upload():
    assert workbooks.kind(b"PK\x03\x04rest") == "xlsx"
    assert workbooks.kind(workbooks.OLE2_MAGIC) == "xls"
    assert workbooks.kind(b"guest,room") is None
    from types import SimpleNamespace

    def job(object_key: str) -> SimpleNamespace:
        return SimpleNamespace(
            partner_id="ABC123", file_type="hotel_stays", import_id="01J", object_key=object_key
        )

    folder = "partners/ABC123/hotel_stays/01J"
    assert workbooks.converted_key(job(f"{folder}/stays.xlsx")) == f"{folder}/converted.csv"
    assert workbooks.converted_key(job(f"{folder}/converted.csv")) == f"{folder}/converted-workbook.csv"
    # whatever the upload's key, the CSV goes to the import's folder, never to the type's
    assert workbooks.converted_key(job("partners/ABC123/hotel_stays/x.xlsx")) == f"{folder}/converted.csv"
