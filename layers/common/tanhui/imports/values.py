"""Cell values as partners' spreadsheets write them, and what is wrong with them in words.

Text with stray spaces, full-width digits, `2026/11/3` dates, `1,234` numbers, phones in any local
form. Each parser takes the column's name and the cell; it returns the typed value or raises
`RowInvalid` naming the column and the value, in Chinese and English. The name is the file type's
own (`nights`); the import puts the partner's header text (「晚数」) in its place when it reports
the row: 第 12 行「手机号码」列 "1380013800" 不是 11 位手机号.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Literal
from zoneinfo import ZoneInfo

from tanhui.codes.token import gtin14, gtin_check_digit_ok
from tanhui.identity.phones import normalise_phone

LOCAL_TIME = ZoneInfo("Asia/Shanghai")  # what a time without an offset means in a partner file


def shown(value: Any) -> str:
    """A cell as the report quotes it (long ones cut)."""
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


class RowInvalid(ValueError):
    """A row's value is wrong: `column` (the file type's name, or None for the row as a whole),
    the cell's `value` as written, and what is wrong in Chinese (`zh`) and English (`en`)."""

    def __init__(self, column: str | None, value: Any, zh: str, en: str):
        self.column = column
        self.value = None if value is None or value == "" else shown(value)
        self.zh, self.en = zh, en
        super().__init__(self.reason)

    @property
    def reason(self) -> str:
        """The English text with the file type's column name (logs, unit tests)."""
        return say(self.column, self.value, self.zh, self.en, "en")


def say(column: str | None, value: str | None, zh: str, en: str, lang: str, row: int | None = None) -> str:
    """One row's problem in words: 第 12 行「手机号码」列 "1380013800" 不是 11 位手机号 /
    Row 12, column "手机号码": "1380013800" is not an 11-digit mobile number."""
    quoted = f'"{value}" ' if value is not None else ""
    if lang == "zh":
        where = (f"第 {row} 行" if row is not None else "") + (f"「{column}」列" if column else "")
        return f"{where} {quoted}{zh}".strip() if where else f"{quoted}{zh}"
    if row is None:
        return f"{column} {quoted}{en}" if column else f"{quoted}{en}"
    if column is None:
        return f"Row {row}: {quoted}{en}"
    if value is None:
        return f'Row {row}, column "{column}" {en}'
    return f'Row {row}, column "{column}": {quoted}{en}'


# -------------------------------------------------------------------------------- value parsers
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_EXCEL_SHORTENED = re.compile(r"\d(?:\.\d+)?E\+\d+", re.IGNORECASE)
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
DAY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+0?0:00(?::00)?)?")
_COMPACT_DAY = re.compile(r"(\d{4})(\d{2})(\d{2})")  # 20261103, as some tills export
# an Excel date serial in a cell left in the General format (a pasted export): 46337 is 2026-11-10;
# five digits, 2000-01-01 (36526) to 2099-12-31 (73050), counted from Excel's 1899-12-30
_SERIAL_DAY = re.compile(r"(\d{5})(?:\.0+)?")
_SERIALS, _SERIAL_ZERO = range(36526, 73051), date(1899, 12, 30)
_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")
_LOCAL_MOMENT = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?[ T]\s*(\d{1,2})\s*[:：时]\s*(\d{2})"
    r"(?:\s*[:：分]\s*(\d{2})(?:\.(\d{1,6}))?\s*秒?)?"
)
_SERIAL = re.compile(r"[0-9A-F]{16}")
MAX_TEXT = 64
MAX_MAGNITUDE = 30  # powers of ten a number may reach either way (no column's bound comes near)


def text(name: str, value: Any, max_len: int = MAX_TEXT) -> str | None:
    """Trimmed text; None when empty. Numbers from JSON become their text."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise RowInvalid(name, value, "应为文字或数字", "must be text or a number")
    out = str(value).strip()
    if _EXCEL_SHORTENED.fullmatch(out):
        raise RowInvalid(
            name,
            out,
            "是被表格缩写的数字：请把该列设为“文本”后重新导出",
            "is a number the spreadsheet shortened; format the column as text and export again",
        )
    if len(out) > max_len:
        raise RowInvalid(name, out, f"超过 {max_len} 个字符", f"is longer than {max_len} characters")
    return out or None


def required(name: str, value: Any) -> str:
    out = text(name, value)
    if out is None:
        raise RowInvalid(name, None, "不能为空", "is required")
    return out


def need(name: str, value: Any) -> Any:
    if value is None:
        raise RowInvalid(name, None, "不能为空", "is required")
    return value


def number(name: str, value: Any) -> Decimal | None:
    if isinstance(value, bool):
        raise RowInvalid(name, value, "不是数字", "is not a number")
    if isinstance(value, int | float):
        value = repr(value)
    out = text(name, value)
    if out is None:
        return None
    out = unicodedata.normalize("NFKC", out).replace(" ", "")
    if _GROUPED.fullmatch(out):
        out = out.replace(",", "")
    try:
        found = Decimal(out)
    except InvalidOperation:
        raise RowInvalid(name, out, "不是数字", "is not a number") from None
    if not found.is_finite():
        raise RowInvalid(name, out, "不是数字", "is not a number")
    if found and not -MAX_MAGNITUDE <= found.adjusted() <= MAX_MAGNITUDE:  # 1e99999999 written out
        raise RowInvalid(name, out, "超出文件中数字的范围", "is beyond the range of numbers a file may hold")
    return found


def integer(name: str, value: Any, low: int, high: int) -> int | None:
    found = number(name, value)
    if found is None:
        return None
    if found != found.to_integral_value():
        raise RowInvalid(name, value, "应为整数", "is not a whole number")
    if not low <= found <= high:
        raise RowInvalid(
            name, f"{found.normalize():f}", f"不在 {low} 到 {high} 之间", f"is not between {low} and {high}"
        )
    return int(found)


def decimal(name: str, value: Any, high: int, *, above_zero: bool = False) -> Decimal | None:
    found = number(name, value)
    if found is None:
        return None
    if (found <= 0 if above_zero else found < 0) or found > high:
        if above_zero:
            zh, en = f"应大于 0 且不超过 {high:,}", f"is not more than 0 and at most {high:,}"
        else:
            zh, en = f"不在 0 到 {high:,} 之间", f"is not between 0 and {high:,}"
        raise RowInvalid(name, f"{found:f}", zh, en)
    return found


def day(name: str, value: Any) -> date | None:
    """A calendar day: 2026-11-03, 2026/11/3, 2026.11.3, 2026年11月3日, 20261103 (a midnight
    time after it, as a spreadsheet adds, is allowed), or an Excel date serial (46337)."""
    out = text(name, value)
    if out is None:
        return None
    folded = unicodedata.normalize("NFKC", out)
    serial = _SERIAL_DAY.fullmatch(folded.strip())
    if serial and int(serial[1]) in _SERIALS:
        return _SERIAL_ZERO + timedelta(days=int(serial[1]))
    match = DAY.fullmatch(folded) or _COMPACT_DAY.fullmatch(folded) or _LOCAL_MOMENT.fullmatch(folded)
    if not match:
        raise RowInvalid(
            name,
            out,
            "不是日期（应写作 2026-11-03 或 2026/11/3）",
            "is not a date like 2026-11-03 or 2026/11/3",
        )
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise RowInvalid(name, out, "不是日历上的日子", "is not a day of the calendar") from None


def moment(name: str, value: Any) -> datetime | None:
    """An aware UTC datetime; a time without an offset is Asia/Shanghai."""
    out = text(name, value)
    if out is None:
        return None
    folded = unicodedata.normalize("NFKC", out)
    try:
        match = _LOCAL_MOMENT.fullmatch(folded)
        if match:
            y, mo, d, h, mi, s, frac = match.groups()
            found = datetime(
                int(y),
                int(mo),
                int(d),
                int(h),
                int(mi),
                int(s or 0),
                int((frac or "0").ljust(6, "0")),
                tzinfo=LOCAL_TIME,
            )
        else:
            found = datetime.fromisoformat(folded)
            if len(folded) <= 10:  # a bare date is not a moment
                raise ValueError(folded)
            if found.tzinfo is None:
                found = found.replace(tzinfo=LOCAL_TIME)
    except ValueError:
        raise RowInvalid(
            name,
            out,
            "不是日期时间（应写作 2026-11-03 08:15 或 2026-11-03T08:15:00+08:00）",
            "is not a date-time like 2026-11-03T08:15:00+08:00 or 2026-11-03 08:15",
        ) from None
    return found.astimezone(UTC)


def day_or_moment(name: str, value: Any) -> date | None:
    out = text(name, value)
    if out is not None:
        folded = unicodedata.normalize("NFKC", out)
        if DAY.fullmatch(folded) or _COMPACT_DAY.fullmatch(folded) or _SERIAL_DAY.fullmatch(folded.strip()):
            return day(name, out)
    return moment(name, out)


def month(name: str, value: Any) -> str:
    out = unicodedata.normalize("NFKC", required(name, value))
    match = _MONTH.fullmatch(out)
    on_day = DAY.fullmatch(out)
    if on_day and int(on_day[3]) == 1:  # the spreadsheet turned 2026-11 into 2026/11/1
        match = on_day
    if not match or not 1 <= int(match[2]) <= 12:
        raise RowInvalid(name, out, "不是月份（应写作 2026-11）", "is not a month like 2026-11")
    return f"{int(match[1]):04d}-{int(match[2]):02d}"


@dataclass(frozen=True)
class Who:
    kind: Literal["phone", "user_id"]
    value: str  # E.164 phone, or a lower-case UUID


def who(name: str, value: Any) -> Who:
    out = required(name, value)
    if _UUID.fullmatch(out):
        return Who("user_id", out.lower())
    phone = normalise_phone(out)
    if phone is None:
        raise RowInvalid(
            name,
            out,
            "不是 11 位手机号，也不是用户 ID",
            "is neither an 11-digit mobile number nor a user id (UUID)",
        )
    return Who("phone", phone)


def gtin(name: str, value: Any) -> str | None:
    out = text(name, value)
    if out is None:
        return None
    digits = re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", out))
    padded = gtin14(digits)
    if padded is None:
        raise RowInvalid(name, out, "应为 8、12、13 或 14 位数字的商品条码", "is not 8, 12, 13 or 14 digits")
    if not gtin_check_digit_ok(digits):
        raise RowInvalid(name, out, "校验位不对", "has a wrong check digit")
    return padded


def serial(name: str, value: Any) -> str | None:
    out = text(name, value)
    if out is None:
        return None
    found = re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", out)).upper()
    if not _SERIAL.fullmatch(found):
        raise RowInvalid(
            name,
            out,
            "应为 16 位十六进制序列号（如 0A1B-2C3D-4E5F-6071）",
            "is not 16 hex characters (e.g. 0A1B-2C3D-4E5F-6071)",
        )
    return found


def fold(value: str) -> str:
    """How a header or a category is compared: NFKC (full-width folded), case-folded, spaces,
    hyphens and other punctuation dropped."""
    folded = unicodedata.normalize("NFKC", value).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


def choice(name: str, value: Any, choices: Mapping[str, str], zh_names: str) -> str:
    out = required(name, value)
    chosen = choices.get(fold(out))
    if chosen is None:
        allowed = " | ".join(dict.fromkeys(choices.values()))
        raise RowInvalid(name, out, f"应为 {zh_names} 之一", f"is not one of {allowed}")
    return chosen


def choices(table: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    return {fold(a): value for value, names in table.items() for a in (value, *names)}
