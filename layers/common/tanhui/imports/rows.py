"""The rows of partner files: each file type's columns and the typed value one row parses into.

Values arrive as partners' spreadsheets write them: text with stray spaces, full-width digits,
`2026/11/3` dates, `1,234` numbers, phones in any local form. `parse_row` turns one row's
fields into a frozen dataclass or raises `RowInvalid` with a reason that names the column.
Card, account and plate values stay trimmed text; the bindings module normalises them.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo

from tanhui.codes.token import gtin14, gtin_check_digit_ok
from tanhui.identity.phones import normalise_phone

FileType = Literal[
    "hotel_stays",
    "product_sales",
    "plant_adoptions",
    "transit_trips",
    "utility_savings",
    "car_trips",
    "waste_sorting",
]
FILE_TYPES: tuple[str, ...] = get_args(FileType)
LOCAL_TIME = ZoneInfo("Asia/Shanghai")  # what a time without an offset means in a partner file


class RowInvalid(ValueError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# ----------------------------------------------------------------------------------- schemas
@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    description: str
    aliases: tuple[str, ...]  # other header names (Chinese first), matched like the name


@dataclass(frozen=True)
class Schema:
    file_type: str
    description: str
    columns: tuple[Column, ...]


def _col(name: str, description: str, *aliases: str, required: bool = True) -> Column:
    return Column(name, required, description, aliases)


_WHO = "phone (any local form, e.g. 138 0013 8000) or user id (UUID)"
_MONTH = "YYYY-MM (also 2026/11, 2026年11月)"
_DATE = "date: YYYY-MM-DD or YYYY/M/D"
SCHEMAS: dict[str, Schema] = {
    s.file_type: s
    for s in (
        Schema(
            "hotel_stays",
            "Low-carbon nights in a hotel's eco rooms near a scenic spot (§三 低碳住宿).",
            (
                _col("guest", _WHO, "住客", "客人", "手机号", "手机", "phone", "user_id"),
                _col("room", "room number or asset id as written", "房号", "房间号", "房间", "asset_id"),
                _col("check_in", _DATE, "入住日期", "入住", "入住时间"),
                _col("nights", "whole number 1–31", "晚数", "入住晚数", "间夜数", "间夜", "天数"),
            ),
        ),
        Schema(
            "product_sales",
            "Sales of low-carbon products recorded by salespeople (§四 低碳产品).",
            (
                _col("buyer", _WHO, "购买人", "买家", "顾客", "手机号", "手机", "phone", "user_id"),
                _col(
                    "sku",
                    "the manufacturer's SKU; sku or gtin is required",
                    "货号",
                    "商品编码",
                    required=False,
                ),
                _col(
                    "gtin",
                    "GTIN-8/12/13/14 with a valid check digit (stored as GTIN-14)",
                    "条码",
                    "商品条码",
                    "条形码",
                    "barcode",
                    "ean",
                    required=False,
                ),
                _col(
                    "serial",
                    "the packaging code's 16 hex serial, e.g. 0A1B-2C3D-4E5F-6071",
                    "序列号",
                    "包装码",
                    "二维码编号",
                    required=False,
                ),
                _col("quantity", "whole number 1–100 (1 when a serial is given)", "数量", "件数", "qty"),
                _col(
                    "sold_at",
                    "date, or ISO date-time (no offset: Asia/Shanghai)",
                    "销售日期",
                    "销售时间",
                    "购买日期",
                    "购买时间",
                ),
                _col("salesperson", "who recorded the sale", "销售员", "导购", "营业员", required=False),
                _col(
                    "receipt",
                    "receipt or order number; required when there is no serial",
                    "小票号",
                    "单号",
                    "订单号",
                    "销售单号",
                    required=False,
                ),
                _col("receipt_line", "line on the receipt (default 1)", "行号", "小票行号", required=False),
            ),
        ),
        Schema(
            "plant_adoptions",
            "Trees and plants adopted at a scenic spot, reported by its office (§三 植物认养).",
            (
                _col("adopter", _WHO, "认养人", "碳普惠账户", "手机号", "手机", "phone", "user_id"),
                _col("tree_id", "the plant's tag number", "树木编号", "植物编号", "挂牌号", "编号"),
                _col("species", "species as written", "植物种类", "树种", "品种", "种类"),
                _col("age_years", "whole years 0–500", "树龄", required=False),
                _col("height_m", "metres 0–150, decimal", "高度", "树高", required=False),
                _col("adopted_on", _DATE, "认养日期", "日期"),
            ),
        ),
        Schema(
            "transit_trips",
            "Monthly trips on pilot public transport per transit card (§二 公交出行).",
            (
                _col(
                    "card",
                    "transit card number as printed",
                    "公交卡号",
                    "交通卡号",
                    "卡号",
                    "羊城通卡号",
                    "岭南通卡号",
                ),
                _col("month", _MONTH, "月份", "统计月份", "年月"),
                _col("trips", "whole number 0–500", "出行次数", "乘车次数", "乘坐次数", "次数"),
            ),
        ),
        Schema(
            "utility_savings",
            "Electricity, water or gas use against the usage standard per account (§一 节水节电节气).",
            (
                _col("account", "utility account number (户号) as on the bill", "户号", "用户号", "账户号"),
                _col("utility", "electricity | water | gas (电 / 水 / 燃气)", "类型", "能源类型", "类别"),
                _col("period", _MONTH, "账期", "月份", "计费月份", "周期"),
                _col("usage", "actual use, decimal 0–1,000,000", "用量", "实际用量"),
                _col("standard", "usage standard, decimal 0–1,000,000", "用量标准", "标准用量", "标准"),
            ),
        ),
        Schema(
            "car_trips",
            "Days a car left the estate, from the property manager's gate records (§一 减少私家车出行).",
            (
                _col("plate", "car plate as written", "车牌号", "车牌", "车牌号码"),
                _col("month", _MONTH, "月份", "统计月份"),
                _col(
                    "days_out", "days out that month, 0 to its length", "出行日数", "出行天数", "本月出行日数"
                ),
                _col(
                    "days_out_previous",
                    "days out the month before, 0 to its length",
                    "上月出行日数",
                    "上月出行天数",
                    required=False,
                ),
            ),
        ),
        Schema(
            "waste_sorting",
            "Drops into a sorting machine with the resident's card (§一 垃圾分类回收).",
            (
                _col("card", "sorting card number (垃圾积分卡号)", "积分卡号", "垃圾积分卡号", "卡号"),
                _col(
                    "time",
                    "ISO date-time with offset or Z, or local YYYY-MM-DD HH:MM[:SS] (Asia/Shanghai)",
                    "投放时间",
                    "时间",
                ),
                _col(
                    "category",
                    "plastic_bottle | paper | cardboard | kitchen_waste (塑料瓶 / 纸 / 纸板 / 厨余)",
                    "类别",
                    "垃圾类别",
                    "品类",
                ),
                _col("quantity", "items 1–1000, for plastic_bottle", "数量", "个数", required=False),
                _col(
                    "kg",
                    "kilograms 0 < kg ≤ 1000, for the other categories",
                    "重量",
                    "公斤",
                    "千克",
                    "weight",
                    required=False,
                ),
            ),
        ),
    )
}


def header_for(file_type: str) -> tuple[str, ...]:
    """The canonical header of a file type, every column in order (a template's first row)."""
    return tuple(c.name for c in SCHEMAS[file_type].columns)


def column_name(text: str) -> str:
    """How a header name is compared: NFKC, trimmed, case-folded, spaces and hyphens as `_`,
    and a trailing unit in brackets dropped ("树龄（年）" → "树龄", "Check In" → "check_in")."""
    name = unicodedata.normalize("NFKC", text).strip().casefold()
    name = re.sub(r"[\s\-]+", "_", name)
    bare = re.sub(r"_?[(\[].*[)\]]$", "", name)
    return bare or name


_LOOKUP: dict[str, dict[str, str]] = {
    file_type: {column_name(n): c.name for c in schema.columns for n in (c.name, *c.aliases)}
    for file_type, schema in SCHEMAS.items()
}


def canonical_column(file_type: str, text: str) -> str | None:
    """The schema column a header name (or one of its aliases) stands for, or None."""
    return _LOOKUP[file_type].get(column_name(text))


def schemas_markdown() -> str:
    """The README's table of file schemas."""
    lines = ["| file type | column | required | value | also accepted as |", "|---|---|---|---|---|"]
    for schema in SCHEMAS.values():
        for i, c in enumerate(schema.columns):
            first = f"`{schema.file_type}` — {schema.description}" if i == 0 else ""
            aliases = ", ".join(c.aliases)
            cells = (first, f"`{c.name}`", "yes" if c.required else "no", c.description, aliases)
            lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------- row types
@dataclass(frozen=True)
class Who:
    kind: Literal["phone", "user_id"]
    value: str  # E.164 phone, or a lower-case UUID


@dataclass(frozen=True)
class HotelStay:
    guest: Who
    room: str
    check_in: date
    nights: int


@dataclass(frozen=True)
class ProductSale:
    buyer: Who
    sku: str | None
    gtin: str | None  # GTIN-14
    serial: str | None  # 16 upper-case hex characters
    quantity: int
    sold_at: date  # a UTC datetime when the file gave a time
    salesperson: str | None
    receipt: str | None
    receipt_line: str


@dataclass(frozen=True)
class PlantAdoption:
    adopter: Who
    tree_id: str
    species: str
    age_years: int | None
    height_m: Decimal | None
    adopted_on: date


@dataclass(frozen=True)
class TransitTrips:
    card: str
    month: str  # YYYY-MM
    trips: int


@dataclass(frozen=True)
class UtilitySaving:
    account: str
    utility: Literal["electricity", "water", "gas"]
    period: str  # YYYY-MM
    usage: Decimal
    standard: Decimal


@dataclass(frozen=True)
class CarTrips:
    plate: str
    month: str  # YYYY-MM
    days_out: int
    days_out_previous: int | None


@dataclass(frozen=True)
class WasteSorting:
    card: str
    time: datetime  # UTC
    category: Literal["plastic_bottle", "paper", "cardboard", "kitchen_waste"]
    quantity: int | None  # plastic_bottle
    kg: Decimal | None  # the other categories


Row = HotelStay | ProductSale | PlantAdoption | TransitTrips | UtilitySaving | CarTrips | WasteSorting


# -------------------------------------------------------------------------------- value parsers
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_EXCEL_SHORTENED = re.compile(r"\d(?:\.\d+)?E\+\d+", re.IGNORECASE)
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_DAY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+0?0:00(?::00)?)?")
_MONTH_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")
_LOCAL_TIME = re.compile(
    r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?"
)
_SERIAL = re.compile(r"[0-9A-F]{16}")
_MAX_TEXT = 64


def _shown(value: Any) -> str:
    text = str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _text(name: str, value: Any, max_len: int = _MAX_TEXT) -> str | None:
    """Trimmed text; None when empty. Numbers from JSON become their text."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise RowInvalid(f"{name} must be text or a number, got {_shown(value)}")
    text = str(value).strip()
    if _EXCEL_SHORTENED.fullmatch(text):
        raise RowInvalid(
            f"{name} {_shown(text)} is a number the spreadsheet shortened; "
            "format the column as text and export again"
        )
    if len(text) > max_len:
        raise RowInvalid(f"{name} is longer than {max_len} characters")
    return text or None


def _required(name: str, value: Any) -> str:
    text = _text(name, value)
    if text is None:
        raise RowInvalid(f"{name} is required")
    return text


def _number(name: str, value: Any) -> Decimal | None:
    if isinstance(value, bool):
        raise RowInvalid(f"{name} must be a number, got {_shown(value)}")
    if isinstance(value, int | float):
        value = repr(value)
    text = _text(name, value)
    if text is None:
        return None
    text = unicodedata.normalize("NFKC", text).replace(" ", "")
    if _GROUPED.fullmatch(text):
        text = text.replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise RowInvalid(f"{name} must be a number, got {_shown(text)}") from None
    if not number.is_finite():
        raise RowInvalid(f"{name} must be a number, got {_shown(text)}")
    return number


def _int(name: str, value: Any, low: int, high: int) -> int | None:
    number = _number(name, value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise RowInvalid(f"{name} must be a whole number, got {_shown(value)}")
    if not low <= number <= high:
        raise RowInvalid(f"{name} must be between {low} and {high}, got {number.normalize():f}")
    return int(number)


def _decimal(name: str, value: Any, high: int, *, above_zero: bool = False) -> Decimal | None:
    number = _number(name, value)
    if number is None:
        return None
    if (number <= 0 if above_zero else number < 0) or number > high:
        limit = f"more than 0 and at most {high:,}" if above_zero else f"between 0 and {high:,}"
        raise RowInvalid(f"{name} must be {limit}, got {number:f}")
    return number


def _need(name: str, value: Any) -> Any:
    if value is None:
        raise RowInvalid(f"{name} is required")
    return value


def _date(name: str, value: Any) -> date | None:
    text = _text(name, value)
    if text is None:
        return None
    match = _DAY.fullmatch(unicodedata.normalize("NFKC", text))
    if not match:
        raise RowInvalid(f"{name} must be a date like 2026-11-03 or 2026/11/3, got {_shown(text)}")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise RowInvalid(f"{name} {_shown(text)} is not a day of the calendar") from None


def _datetime(name: str, value: Any) -> datetime | None:
    """An aware UTC datetime; a time without an offset is Asia/Shanghai."""
    text = _text(name, value)
    if text is None:
        return None
    text = unicodedata.normalize("NFKC", text)
    try:
        match = _LOCAL_TIME.fullmatch(text)
        if match:
            y, mo, d, h, mi, s, frac = match.groups()
            moment = datetime(
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
            moment = datetime.fromisoformat(text)
            if len(text) <= 10:  # a bare date is not a moment
                raise ValueError(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=LOCAL_TIME)
    except ValueError:
        raise RowInvalid(
            f"{name} must be a date-time like 2026-11-03T08:15:00+08:00 or 2026-11-03 08:15, "
            f"got {_shown(text)}"
        ) from None
    return moment.astimezone(UTC)


def _month(name: str, value: Any) -> str:
    text = unicodedata.normalize("NFKC", _required(name, value))
    match = _MONTH_RE.fullmatch(text)
    day = _DAY.fullmatch(text)
    if day and int(day[3]) == 1:  # the spreadsheet turned 2026-11 into 2026/11/1
        match = day
    if not match or not 1 <= int(match[2]) <= 12:
        raise RowInvalid(f"{name} must be a month like 2026-11, got {_shown(text)}")
    return f"{int(match[1]):04d}-{int(match[2]):02d}"


def _who(name: str, value: Any) -> Who:
    text = _required(name, value)
    if _UUID.fullmatch(text):
        return Who("user_id", text.lower())
    phone = normalise_phone(text)
    if phone is None:  # the value is not echoed: it is somebody's number
        raise RowInvalid(f"{name} is neither a mobile phone number nor a user id (UUID)")
    return Who("phone", phone)


def _gtin(name: str, value: Any) -> str | None:
    text = _text(name, value)
    if text is None:
        return None
    digits = re.sub(r"[\s\-]", "", text)
    padded = gtin14(digits)
    if padded is None:
        raise RowInvalid(f"{name} must be 8, 12, 13 or 14 digits, got {_shown(text)}")
    if not gtin_check_digit_ok(digits):
        raise RowInvalid(f"{name} {_shown(text)} has a wrong check digit")
    return padded


def _serial(name: str, value: Any) -> str | None:
    text = _text(name, value)
    if text is None:
        return None
    serial = re.sub(r"[\s\-]", "", text).upper()
    if not _SERIAL.fullmatch(serial):
        raise RowInvalid(f"{name} must be 16 hex characters (e.g. 0A1B-2C3D-4E5F-6071), got {_shown(text)}")
    return serial


def _choice(name: str, value: Any, choices: Mapping[str, str]) -> str:
    text = _required(name, value)
    chosen = choices.get(column_name(text))
    if chosen is None:
        allowed = " | ".join(dict.fromkeys(choices.values()))
        raise RowInvalid(f"{name} must be one of {allowed}, got {_shown(text)}")
    return chosen


def _aliases(table: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    return {column_name(a): value for value, names in table.items() for a in (value, *names)}


_UTILITIES = _aliases(
    {
        "electricity": ("电", "电力", "用电", "电费", "power"),
        "water": ("水", "用水", "自来水", "水费"),
        "gas": ("燃气", "气", "天然气", "用气", "煤气"),
    }
)
_CATEGORIES = _aliases(
    {
        "plastic_bottle": ("塑料瓶", "饮料瓶", "plastic bottle"),
        "paper": ("纸", "纸张", "废纸"),
        "cardboard": ("纸板", "纸箱"),
        "kitchen_waste": ("厨余", "厨余垃圾", "餐厨垃圾", "kitchen waste"),
    }
)


def _days_in(month: str) -> int:
    return calendar.monthrange(int(month[:4]), int(month[5:]))[1]


def _previous(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:])
    return f"{year - 1:04d}-12" if mon == 1 else f"{year:04d}-{mon - 1:02d}"


# ----------------------------------------------------------------------------------- one row
def _hotel_stay(f: Mapping[str, Any]) -> HotelStay:
    return HotelStay(
        guest=_who("guest", f.get("guest")),
        room=_required("room", f.get("room")),
        check_in=_need("check_in", _date("check_in", f.get("check_in"))),
        nights=_need("nights", _int("nights", f.get("nights"), 1, 31)),
    )


def _product_sale(f: Mapping[str, Any]) -> ProductSale:
    buyer = _who("buyer", f.get("buyer"))
    sku, gtin = _text("sku", f.get("sku")), _gtin("gtin", f.get("gtin"))
    if sku is None and gtin is None:
        raise RowInvalid("sku or gtin is required")
    serial = _serial("serial", f.get("serial"))
    quantity = _need("quantity", _int("quantity", f.get("quantity"), 1, 100))
    if serial is not None and quantity != 1:
        raise RowInvalid(
            f"quantity must be 1 when a serial is given (one serial is one item), got {quantity}"
        )
    receipt = _text("receipt", f.get("receipt"))
    if receipt is None and serial is None:
        raise RowInvalid("receipt is required when there is no serial")
    sold_at: date = _need("sold_at", _date_or_datetime("sold_at", f.get("sold_at")))
    return ProductSale(
        buyer=buyer,
        sku=sku,
        gtin=gtin,
        serial=serial,
        quantity=quantity,
        sold_at=sold_at,
        salesperson=_text("salesperson", f.get("salesperson")),
        receipt=receipt,
        receipt_line=_text("receipt_line", f.get("receipt_line")) or "1",
    )


def _date_or_datetime(name: str, value: Any) -> date | None:
    text = _text(name, value)
    if text is not None and _DAY.fullmatch(unicodedata.normalize("NFKC", text)):
        return _date(name, text)
    return _datetime(name, text)


def _plant_adoption(f: Mapping[str, Any]) -> PlantAdoption:
    return PlantAdoption(
        adopter=_who("adopter", f.get("adopter")),
        tree_id=_required("tree_id", f.get("tree_id")),
        species=_required("species", f.get("species")),
        age_years=_int("age_years", f.get("age_years"), 0, 500),
        height_m=_decimal("height_m", f.get("height_m"), 150),
        adopted_on=_need("adopted_on", _date("adopted_on", f.get("adopted_on"))),
    )


def _transit_trips(f: Mapping[str, Any]) -> TransitTrips:
    return TransitTrips(
        card=_required("card", f.get("card")),
        month=_month("month", f.get("month")),
        trips=_need("trips", _int("trips", f.get("trips"), 0, 500)),
    )


def _utility_saving(f: Mapping[str, Any]) -> UtilitySaving:
    return UtilitySaving(
        account=_required("account", f.get("account")),
        utility=_choice("utility", f.get("utility"), _UTILITIES),  # type: ignore[arg-type]
        period=_month("period", f.get("period")),
        usage=_need("usage", _decimal("usage", f.get("usage"), 1_000_000)),
        standard=_need("standard", _decimal("standard", f.get("standard"), 1_000_000)),
    )


def _car_trips(f: Mapping[str, Any]) -> CarTrips:
    month = _month("month", f.get("month"))
    return CarTrips(
        plate=_required("plate", f.get("plate")),
        month=month,
        days_out=_need("days_out", _int("days_out", f.get("days_out"), 0, _days_in(month))),
        days_out_previous=_int(
            "days_out_previous", f.get("days_out_previous"), 0, _days_in(_previous(month))
        ),
    )


def _waste_sorting(f: Mapping[str, Any]) -> WasteSorting:
    category = _choice("category", f.get("category"), _CATEGORIES)
    quantity = _int("quantity", f.get("quantity"), 1, 1000)
    kg = _decimal("kg", f.get("kg"), 1000, above_zero=True)
    if category == "plastic_bottle" and (quantity is None or kg is not None):
        raise RowInvalid("plastic_bottle rows count items in quantity, with kg empty")
    if category != "plastic_bottle" and (kg is None or quantity is not None):
        raise RowInvalid(f"{category} rows weigh kg, with quantity empty")
    return WasteSorting(
        card=_required("card", f.get("card")),
        time=_need("time", _datetime("time", f.get("time"))),
        category=category,  # type: ignore[arg-type]
        quantity=quantity,
        kg=kg,
    )


_PARSERS: dict[str, Callable[[Mapping[str, Any]], Row]] = {
    "hotel_stays": _hotel_stay,
    "product_sales": _product_sale,
    "plant_adoptions": _plant_adoption,
    "transit_trips": _transit_trips,
    "utility_savings": _utility_saving,
    "car_trips": _car_trips,
    "waste_sorting": _waste_sorting,
}


def parse_row(file_type: str, fields: Mapping[str, Any]) -> Row:
    """One row's typed value. Keys may be the canonical names or any alias; an empty value is
    a missing one. Raises RowInvalid naming the column."""
    if file_type not in _PARSERS:
        raise ValueError(f"unknown file type {file_type!r}")
    canonical: dict[str, Any] = {}
    for key, value in fields.items():
        name = canonical_column(file_type, str(key))
        if name is None:
            raise RowInvalid(f"unknown column {_shown(key)}")
        if name in canonical:
            raise RowInvalid(f"column {name} is given twice")
        canonical[name] = None if value == "" else value
    return _PARSERS[file_type](canonical)
