"""What a file type declares: its columns (with the names clerks give them), its row model, who
the person is, which records a row makes, which roles send it, which columns are identifiers."""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from tanhui import bindings
from tanhui.claims import keys
from tanhui.imports.records import Built, Context, Plan, invalid
from tanhui.imports.values import fold


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    description: str
    aliases: tuple[str, ...]  # other header names, Chinese first, in order of preference


def col(name: str, description: str, *aliases: str, required: bool = True) -> Column:
    return Column(name, required, description, aliases)


@dataclass(frozen=True)
class Spec:
    file_type: str
    description: str
    roles: tuple[str, ...]  # the partner roles that send it
    behaviour: str  # what its rows credit (product_sales: without a serial)
    columns: tuple[Column, ...]
    row: type  # the row model parse returns
    parse: Callable[[Mapping[str, Any]], Any]  # canonical fields -> row (raises RowInvalid)
    person: Callable[[Any], tuple[str, str]]  # ("phone", E.164), ("user", id) or a bound number
    build: Callable[[Plan, Any, str], Built]  # a known user's records (raises Rejected)
    days: Callable[[Any], tuple[date, date]]  # the first and last day the behaviour happened on
    date_column: str  # the column those days come from (the report names it)
    identifiers: tuple[str, ...] = ()  # numbers whose leading zeros matter (account, card, …)
    one_of: tuple[tuple[str, ...], ...] = ()  # groups of optional columns of which one is needed
    observe: Callable[[Any, Context], None] | None = None  # what later rows compare with

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def header_key(text: str) -> str:
    """How a header is compared: full-width folded, case, spaces and punctuation forgiven, a
    trailing unit in brackets dropped (树龄（年） → 树龄, "Check In" → checkin)."""
    name = unicodedata.normalize("NFKC", text).strip()
    bare = re.sub(r"\s*[(\[][^()\[\]]*[)\]]\s*$", "", name)
    return fold(bare) or fold(name)


def lookup(spec: Spec) -> dict[str, tuple[str, int]]:
    """Header key -> (column, preference: 0 for the name, then the aliases' order)."""
    table: dict[str, tuple[str, int]] = {}
    for c in spec.columns:
        for rank, name in enumerate((c.name, *c.aliases)):
            key = header_key(name)
            if key in table and table[key][0] != c.name:
                raise ValueError(f"{spec.file_type}: {name!r} names both {table[key][0]} and {c.name}")
            table.setdefault(key, (c.name, rank))
    return table


# ------------------------------------------------------------------------------ shared rules
def bound(kind: str, text: str, column: str) -> tuple[str, str]:
    """A row's person named by a number a user binds (card, account, plate)."""
    try:
        return kind, bindings.normalise(kind, text)
    except Exception as exc:  # the number cannot be anyone's: a row error, not a file error
        raise invalid(
            "invalid_number",
            f"is not a valid {kind.replace('_', ' ')}.",
            "不是有效的号码",
            column=column,
            value=text,
        ) from exc


def month_days(month: str) -> tuple[date, date]:
    first = date.fromisoformat(f"{month}-01")
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def local_day(value: date | datetime) -> date:
    return value.astimezone(keys.LOCAL).date() if isinstance(value, datetime) else value


def one_day(value: date | datetime) -> tuple[date, date]:
    d = local_day(value)
    return d, d


def days_in(month: str) -> int:
    return calendar.monthrange(int(month[:4]), int(month[5:]))[1]


def previous_month(month: str) -> str:
    first = date.fromisoformat(f"{month}-01")
    return (first - timedelta(days=1)).strftime("%Y-%m")


WHO = "phone (any local form, e.g. 138 0013 8000) or user id (UUID)"
MONTH = "YYYY-MM (also 2026/11, 2026年11月)"
DATE = "date: YYYY-MM-DD, YYYY/M/D or 2026年11月3日"
PHONE_ALIASES = ("手机号", "手机号码", "联系电话", "电话", "手机", "电话号码", "联系方式")
