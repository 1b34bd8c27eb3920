"""The period a certificate covers: a year `YYYY` or a month `YYYY-MM` of local dates
(Asia/Shanghai, as daily caps count them), from 2000 up to the current one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from tanhui import errors
from tanhui.claims.keys import LOCAL
from tanhui.models.base import iso_ms

FIRST_YEAR = 2000
_PERIOD = re.compile(r"([0-9]{4})(?:-([0-9]{2}))?")


class InvalidPeriod(errors.BadRequest):
    code = "invalid_period"
    message = "Send the period as a year YYYY or a month YYYY-MM, from 2000 and not in the future."


@dataclass(frozen=True, slots=True)
class Period:
    text: str  # "2026" or "2026-11"
    first_day: date
    next_first_day: date  # the day after the period

    @property
    def start(self) -> str:
        """The period's first local midnight as a stored UTC time (`models.base.iso_ms`)."""
        return _utc(self.first_day)

    @property
    def end(self) -> str:
        """The first local midnight after the period, as a stored UTC time (exclusive)."""
        return _utc(self.next_first_day)

    @property
    def chinese(self) -> str:
        """"2026年" or "2026年11月"."""
        year = f"{self.first_day.year}年"
        return year if len(self.text) == 4 else f"{year}{self.first_day.month}月"


def _utc(day: date) -> str:
    return iso_ms(datetime.combine(day, time(), tzinfo=LOCAL))


def parse(text: str, now: datetime | None = None) -> Period:
    """The period `text` names; InvalidPeriod unless it is exactly YYYY or YYYY-MM (month 01-12),
    from `FIRST_YEAR`, and started by `now` (the current year or month is accepted: so far)."""
    found = _PERIOD.fullmatch(text)
    if found is None:
        raise InvalidPeriod()
    year, month = int(found[1]), int(found[2]) if found[2] else None
    if year < FIRST_YEAR or (month is not None and not 1 <= month <= 12):
        raise InvalidPeriod()
    first = date(year, month or 1, 1)
    if first > (now or datetime.now(UTC)).astimezone(LOCAL).date():
        raise InvalidPeriod("The period has not started yet.")
    following = date(year + 1, 1, 1) if month is None else date(year + (month == 12), month % 12 + 1, 1)
    return Period(text, first, following)
