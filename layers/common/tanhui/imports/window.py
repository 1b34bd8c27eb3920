"""Which days a partner file's rows may report: the last WINDOW_DAYS days up to today (Asia/Shanghai).

A row whose behaviour lies after today is `future_date` (an advance booking, a mistyped year: each
future day would get its own cap and land in next year's totals); one that ended before the window
is `too_old`. Both name the window. Checked when a file is imported, not when a pending row is
credited later (that row was inside the window when it was sent).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from tanhui.claims import keys
from tanhui.imports.credit import INVALID
from tanhui.imports.records import Rejected
from tanhui.imports.specs import SPECS

WINDOW_DAYS = 90  # rows of behaviour older than this (Asia/Shanghai days) are too_old; as long as
# a pending row is kept, so a row accepted today can still be credited when its person turns up


def local_today() -> date:
    return datetime.now(keys.LOCAL).date()


def window(today: date | None = None) -> tuple[date, date]:
    """The days a row's behaviour may fall on: the last WINDOW_DAYS days up to today (local)."""
    today = today or local_today()
    return today - timedelta(days=WINDOW_DAYS), today


def check_window(file_type: str, row: Any, today: date | None = None, cell: Any = None) -> None:
    """future_date when the behaviour lies after today, too_old when before the window (`cell`:
    the date as the file wrote it, for the message)."""
    spec = SPECS[file_type]
    first, last = spec.days(row)
    oldest, today = window(today)
    shown = str(cell).strip() if cell not in (None, "") else _day_text(first, last)
    if last > today:
        raise Rejected(
            INVALID,
            "future_date",
            f"is after today ({today.isoformat()}, Beijing time): only the {WINDOW_DAYS} days up to "
            "today are accepted; send it again once it has happened",
            f"晚于今天（{today.isoformat()}，北京时间）：只接受今天及之前 {WINDOW_DAYS} 天内的行为，"
            "发生后再上传",
            column=spec.date_column,
            value=shown,
        )
    if last < oldest:
        raise Rejected(
            INVALID,
            "too_old",
            f"is older than {WINDOW_DAYS} days (before {oldest.isoformat()}): only the {WINDOW_DAYS} "
            "days up to today are accepted",
            f"早于 {WINDOW_DAYS} 天前（{oldest.isoformat()} 之前）：只接受最近 {WINDOW_DAYS} 天内的行为",
            column=spec.date_column,
            value=shown,
        )


def _day_text(first: date, last: date) -> str:
    return first.isoformat() if first == last else f"{first.isoformat()} – {last.isoformat()}"
