"""When a template schedule is next due: EventBridge `rate(...)` and `cron(...)` expressions.

`rate(N minute|minutes|hour|hours|day|days)`: every N units from when the stack started (as a
rule's first run follows its creation). `cron(minutes hours day-of-month month day-of-week year)`
in UTC, the subset supported: `*`, `?`, numbers, lists `a,b`, ranges `a-b`, steps `*/n` and
`a-b/n`, month names JAN-DEC and day names SUN-SAT (day-of-week 1-7 = SUN-SAT, as AWS counts);
not `L`, `W` or `#` (refused with ValueError when the template is read).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_UNITS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = {m: i + 1 for i, m in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
)}
_DAYS = {d: i + 1 for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}
_SEARCH_DAYS = 366 * 5  # a cron that matches no day in five years is never due


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int] | None  # None: `?` or `*` (any day of the month)
    months: frozenset[int]
    weekdays: frozenset[int] | None  # 1-7 = SUN-SAT; None: any
    years: frozenset[int] | None

    def matches_day(self, day: datetime) -> bool:
        weekday = day.isoweekday() % 7 + 1  # Monday=1..Sunday=7 -> SUN=1..SAT=7
        return (
            day.month in self.months
            and (self.years is None or day.year in self.years)
            and (self.days is None or day.day in self.days)
            and (self.weekdays is None or weekday in self.weekdays)
        )


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int] | None:
    if text in ("*", "?"):
        return None
    values: set[int] = set()
    for part in text.upper().split(","):
        for name, number in (names or {}).items():
            part = part.replace(name, str(number))
        if not re.fullmatch(r"(\*|\d+(-\d+)?)(/\d+)?", part):
            raise ValueError(f"unsupported cron field {text!r}")
        span, _, step = part.partition("/")
        first, _, last = span.partition("-")
        start = low if first == "*" else int(first)
        end = high if first == "*" else int(last or (high if step else first))
        if not low <= start <= end <= high:
            raise ValueError(f"cron field {text!r} out of range {low}-{high}")
        values.update(range(start, end + 1, int(step or 1)))
    return frozenset(values)


def parse(expression: str) -> timedelta | Cron:
    """A rate's interval or a cron's fields; ValueError for anything else."""
    expression = expression.strip()
    if rate := _RATE.match(expression):
        count, unit = int(rate.group(1)), rate.group(2).rstrip("s")
        if count < 1:
            raise ValueError(f"a rate needs a positive number: {expression!r}")
        return timedelta(seconds=count * _UNITS[unit])
    if cron := _CRON.match(expression):
        fields = cron.group(1).split()
        if len(fields) != 6:
            raise ValueError(f"a cron has 6 fields: {expression!r}")
        minutes, hours, days, months, weekdays, years = fields
        return Cron(
            minutes=_field(minutes, 0, 59) or frozenset(range(60)),
            hours=_field(hours, 0, 23) or frozenset(range(24)),
            days=_field(days, 1, 31),
            months=_field(months, 1, 12, _MONTHS) or frozenset(range(1, 13)),
            weekdays=_field(weekdays, 1, 7, _DAYS),
            years=_field(years, 1970, 2199),
        )
    raise ValueError(f"not a rate() or cron() expression: {expression!r}")


def next_due(expression: str | timedelta | Cron, after: datetime) -> datetime | None:
    """The first time strictly after `after` the schedule fires (None: never again)."""
    rule = parse(expression) if isinstance(expression, str) else expression
    if isinstance(rule, timedelta):
        return after + rule
    start = (after.astimezone(UTC) + timedelta(minutes=1)).replace(second=0, microsecond=0)
    day = start.replace(hour=0, minute=0)
    for _ in range(_SEARCH_DAYS):
        if rule.matches_day(day):
            for hour in sorted(rule.hours):
                for minute in sorted(rule.minutes):
                    at = day.replace(hour=hour, minute=minute)
                    if at >= start:
                        return at
        day += timedelta(days=1)
    return None
