"""The rejects file of a workbook upload, as an .xlsx: text cells a clerk's Excel shows as written."""

from __future__ import annotations

import codecs
import csv
import io

from openpyxl import load_workbook
from tanhui.imports import report


def _book(rows: list[list[str]], sheet: str | None = "入住明细"):
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    out = io.BytesIO()
    report.rejects_workbook(io.BytesIO(codecs.BOM_UTF8 + text.getvalue().encode()), out, sheet)
    return load_workbook(io.BytesIO(out.getvalue())).worksheets[0]


def test_given_rejected_rows_then_every_cell_is_text_as_written_and_no_formula():
    sheet = _book([
        ["手机号码", "户号", "备注", "原因", "reason"],
        ["13800138000", "0012345678", "=HYPERLINK(\"http://x\")", "第 2 行 不是", "Row 2"],
        ["1.5", "", "bell\x07", "第 3 行", "Row 3"],
    ])
    assert sheet.title == "入住明细"
    cells = [[(c.value, c.data_type, c.number_format) for c in row] for row in sheet.iter_rows()]
    assert [v for v, *_ in cells[1]] == [
        "13800138000", "0012345678", '=HYPERLINK("http://x")', "第 2 行 不是", "Row 2"
    ]
    assert {t for row in cells for v, t, _ in row if v is not None} <= {"s", "inlineStr"}  # no "n", no "f"
    assert cells[1][0][2] == "@" and cells[2][0][0] == "1.5" and cells[2][2][0] == "bell"


def test_given_a_sheet_name_excel_refuses_then_the_default_sheet():
    assert _book([["a", "原因", "reason"]], "a/b").title == "Sheet1"
