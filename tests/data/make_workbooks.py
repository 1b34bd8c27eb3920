"""Excel workbooks made the way a clerk's Excel saves them, byte for byte the same on every run.

    python tests/data/make_workbooks.py [folder]     (default: tests/data/workbooks/)

- `hotel_stays`: a front desk's export: a title block (酒店入住明细表, 导出时间), Chinese headers,
  extra columns (序号, 姓名, 备注), phones stored as numbers, check-in days as Excel date serials
  (date-formatted cells), a 合计 row at the end;
- `utility_savings`: a utility office's sheet whose account numbers are numbers (0012345678 saved
  as 12345678: the leading zeros are gone), a second sheet beside it;
- each as .xlsx (openpyxl, entries re-zipped with a fixed time) and .xls (xlwt).
Tests call `write_xlsx` / `write_xls` with their own rows (registered phones, recent days).
"""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

Cell = str | int | float | date | datetime | bool | None
Sheets = dict[str, Sequence[Sequence[Cell]]]
DATE_FORMAT = "yyyy/m/d"  # how a Chinese Excel shows a date
DATETIME_FORMAT = "yyyy/m/d h:mm"
FIXED = datetime(2026, 1, 1)
HOTEL_HEADER = ["序号", "姓名", "手机号码", "房号", "入住日期", "晚数", "备注"]


def hotel_stays(stays: Sequence[tuple[int | str, Any, date, int]], exported: date) -> list[list[Cell]]:
    """A front desk's export: stays are (phone as a number, room, check-in day, nights)."""
    rows: list[list[Cell]] = [["酒店入住明细表"], ["导出时间", exported], []]
    rows.append(list(HOTEL_HEADER))
    for n, (phone, room, day, nights) in enumerate(stays, start=1):
        rows.append([n, f"客人{n}", phone, room, day, nights, "含早" if n % 2 else None])
    rows.append(["合计", None, None, None, None, sum(s[3] for s in stays), None])
    return rows


def utility_savings(accounts: Sequence[tuple[int, str, float]]) -> Sheets:
    """A utility office's sheet: (account number as a number, month, kWh saved)."""
    rows: list[list[Cell]] = [["户号", "月份", "节约电量(kWh)"]]
    rows += [[account, month, kwh] for account, month, kwh in accounts]
    return {"节电明细": rows, "说明": [["户号为 10 位，前面的 0 不能省"]]}


def write_xlsx(path: Path, sheets: Sheets) -> Path:
    """An .xlsx of these sheets (first one first); dates in date-formatted cells, as serials."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    book.properties.creator = "tanhui tests"
    book.properties.created = book.properties.modified = FIXED
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            cells = []
            for value in row:
                cell = WriteOnlyCell(sheet, value=value)
                if isinstance(value, datetime):
                    cell.number_format = DATETIME_FORMAT
                elif isinstance(value, date):
                    cell.number_format = DATE_FORMAT
                cells.append(cell)
            sheet.append(cells)
    raw = io.BytesIO()
    book.save(raw)
    path.write_bytes(_fixed_zip(raw.getvalue()))
    return path


def _fixed_zip(data: bytes) -> bytes:
    """The same zip with every entry's time fixed (openpyxl stamps the time of saving)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # its modified time is the saving time
                body = _fixed_core(body)
            dst.writestr(
                zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0)),
                body,
                compress_type=zipfile.ZIP_DEFLATED,
            )
    return out.getvalue()


def _fixed_core(body: bytes) -> bytes:
    import re

    return re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-01-01T00:00:00Z", body)


def write_xls(path: Path, sheets: Sheets) -> Path:
    """The same as an Excel 97-2003 .xls (xlwt): dates as date-formatted serials."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    day, moment = xlwt.easyxf(num_format_str=DATE_FORMAT), xlwt.easyxf(num_format_str=DATETIME_FORMAT)
    for name, rows in sheets.items():
        sheet = book.add_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, datetime):
                    sheet.write(r, c, value, moment)
                elif isinstance(value, date):
                    sheet.write(r, c, value, day)
                else:
                    sheet.write(r, c, value)
    raw = io.BytesIO()
    book.save(raw)
    path.write_bytes(raw.getvalue())
    return path


def cut_part(made: Path, part: str, out: Path) -> Path:
    """The .xlsx `made` with one of its parts cut in half (a download broken off, a tool's bug)."""
    with zipfile.ZipFile(made) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            body = src.read(name)
            dst.writestr(name, body[: len(body) // 2] if name == part else body)
    return out


def samples(folder: Path) -> list[Path]:
    """The sample files: fixed phones, rooms and days."""
    folder.mkdir(parents=True, exist_ok=True)
    stays = [(13800138000 + n, 808 + n % 3, date(2026, 10, 1 + n % 28), 1 + n % 3) for n in range(12)]
    hotel = {"入住明细": hotel_stays(stays, date(2026, 11, 3))}
    utility = utility_savings(
        [(12345678, "2026-10", 35.5), (2345678901, "2026-10", 120.0), (345678, "2026-10", 8.25)]
    )
    written = []
    for name, sheets in (("hotel_stays", hotel), ("utility_savings", utility)):
        written.append(write_xlsx(folder / f"{name}.xlsx", sheets))
        written.append(write_xls(folder / f"{name}.xls", sheets))
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "workbooks"
    for p in samples(target):
        print(p)
