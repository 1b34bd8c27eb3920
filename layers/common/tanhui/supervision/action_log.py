"""The operators' action log read by a regulator: a month (or one day of it) newest first, a page
at a time, or the whole of it as one CSV file."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from tanhui import errors
from tanhui.models.audit_log import OperatorAction, month_pk
from tanhui.models.identity import display_names
from tanhui.models.pages import decode_cursor, page_items
from tanhui.rights.copy import BOM, cell
from tanhui.supervision.schemas import OperatorActionList, OperatorActionOut

MAX_CSV_ROWS = 5_000  # a Lambda answer holds 6 MB: a row is well under 1 KB
CSV_COLUMNS = ("at", "request_id", "who", "who_name", "route", "path_params", "summary", "fields", "result",
               "status")


class AuditLogTooLarge(errors.Unprocessable):
    code = "audit_log_too_large"
    message = f"More than {MAX_CSV_ROWS} actions: ask for one day at a time (day=DD), or read the pages."


def _prefix(month: str | None, day: str | None) -> tuple[str, str]:
    month = month or datetime.now(UTC).strftime("%Y-%m")
    return month_pk(month), f"{month}-{day}" if day else month


def list_actions(month: str | None, day: str | None, limit: int, cursor: str | None) -> OperatorActionList:
    pk, prefix = _prefix(month, day)
    start = decode_cursor(cursor, {"pk", "sk"}, equal={"pk": pk}, prefix={"sk": prefix})
    page = OperatorAction.query(pk, OperatorAction.sk.startswith(prefix), scan_index_forward=False,
                                limit=limit, page_size=limit, last_evaluated_key=start)
    items, next_cursor = page_items(page, OperatorActionOut.model_validate)
    names = display_names(a.who for a in items)
    named = [a.model_copy(update={"who_name": names.get(a.who)}) for a in items]
    return OperatorActionList(items=named, next_cursor=next_cursor)


def csv_of(month: str | None, day: str | None) -> str:
    """Every action of the month (or day), oldest first: UTF-8 with a byte-order mark, CRLF, one
    header row; objects as compact JSON; a text that would start a formula gets a leading `'`.
    More than MAX_CSV_ROWS: 422 `audit_log_too_large` (one day at a time, or the pages)."""
    actions: list[OperatorActionOut] = []
    cursor: str | None = None
    while True:
        page = list_actions(month, day, 100, cursor)
        actions += page.items
        if len(actions) > MAX_CSV_ROWS:
            raise AuditLogTooLarge()
        if not (cursor := page.next_cursor):
            break
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for action in reversed(actions):
        row = action.model_dump(mode="json")
        writer.writerow([cell(row[c]) for c in CSV_COLUMNS])
    return BOM + out.getvalue()
