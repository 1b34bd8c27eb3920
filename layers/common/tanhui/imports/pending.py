"""Rows waiting for their person: an unregistered phone, an unbound number, a user who has not
consented (or stated a daily km) yet. Kept 90 days (TTL); credited through the same plan and
transaction as the file's other rows when that person registers, binds the number or consents —
a guest who installs the app after checkout still gets the night. Only consented users are ever
credited: the wallet update itself is conditioned on consent.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from tanhui import bindings
from tanhui.imports import credit, formats, plans
from tanhui.models.base import plain, utc_now
from tanhui.models.identity import UserProfile
from tanhui.models.imports import ImportJob, PendingRow, pending_pk
from tanhui.observability import logger

KEEP_DAYS = 90


def keep(who: tuple[str, str], job: ImportJob, row: int, fields: dict[str, Any]) -> None:
    kind, value = who
    PendingRow(
        *PendingRow.key(kind, value, job.import_id, row),
        kind=kind,
        value=value,
        partner_id=job.partner_id,
        import_id=job.import_id,
        file_type=job.file_type,
        object_key=job.object_key,
        row=row,
        fields={k: ("" if v is None else str(v)) for k, v in fields.items()},
        created_at=utc_now(),
        expires_at=int(time.time()) + KEEP_DAYS * 86400,
    ).save()


def _names_of(user_id: str) -> list[tuple[str, str]]:
    names = [("user", user_id)]
    try:
        phone = UserProfile.get(*UserProfile.key(user_id), attributes_to_get=["phone"]).phone
        if phone:
            names.append(("phone", phone))
    except UserProfile.DoesNotExist:
        pass
    names += bindings.numbers_of(user_id)
    return names


def _waiting(names: Iterable[tuple[str, str]]) -> Iterable[PendingRow]:
    now = time.time()
    for kind, value in names:
        for item in PendingRow.query(pending_pk(kind, value), consistent_read=True):
            if item.expires_at is None or item.expires_at > now:  # TTL deletes lag by up to days
                yield item


def settle_for(user_id: str) -> dict[str, int]:
    """Credits the rows waiting for this user (by id, phone or bound number); returns the count
    of each outcome. Rows still waiting (no consent yet) stay."""
    tally: dict[str, int] = {}
    for item in _waiting(_names_of(user_id)):
        status = _settle(item, user_id)
        tally[status] = tally.get(status, 0) + 1
        if status != credit.PENDING:
            item.delete()
    if tally:
        logger.info("pending rows settled", extra={"user_id": user_id, **tally})
    return tally


def _settle(item: PendingRow, user_id: str) -> str:
    try:
        row = formats.parse_row(item.file_type, plain(item.fields))
        ctx = plans.context(item.partner_id)
        plan = plans.Plan(
            ctx, item.file_type, item.import_id, item.object_key, int(item.row), datetime.now(UTC)
        )
        one = plans.credit_of(plan, row, user_id)
    except plans.Rejected as exc:
        return exc.status
    except formats.RowInvalid:
        return credit.INVALID
    return credit.credit_rows([one], ctx.quota)[0].status


def settle_quietly(user_id: str) -> None:
    """`settle_for`, for the sign-in paths: a failure is logged and the rows stay pending (they
    are tried again at the next sign-in), the sign-in itself goes on."""
    try:
        settle_for(user_id)
    except Exception:
        logger.exception("pending rows not settled", extra={"user_id": user_id})
