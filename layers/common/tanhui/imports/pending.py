"""Rows waiting for their person: an unregistered phone, an unbound number, a user who has not
consented (or stated a daily km) yet. Kept 90 days (TTL); credited through the same plan and
transaction as the file's other rows when that person registers, binds the number or consents —
a guest who installs the app after checkout still gets the night. Only consented users are ever
credited: the wallet update itself is conditioned on consent.

A settled row leaves the import's `pending` count for its outcome's (`credited`, with its coins
and gCO2e, or `duplicate`, `invalid`…) in the same transaction that deletes the waiting row, on
the condition that the row is still there: two sign-ins at once, or a retry after a crash
between the credit and the count (the credit then finds its own record and says `credited`
again), move the counts once.

A person who withdraws the consent (撤回授权) has their waiting rows dropped (`drop_for`): each
leaves `pending` for `invalid` with the reason `consent_withdrawn`, once, the same way. Settling
never credits a row kept before the consent in force was given by someone who once withdrew:
such a row was reported while they had withdrawn (or just before), and is dropped the same way.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from pynamodb.expressions.update import Action

from tanhui import bindings
from tanhui.identity import consent
from tanhui.imports import credit, formats, plans
from tanhui.models.base import plain, utc_now
from tanhui.models.identity import UserProfile
from tanhui.models.imports import COUNTS, ImportJob, PendingRow, pending_pk
from tanhui.models.wallet import Wallet
from tanhui.models.writes import Cancelled, WritePlan, retrying
from tanhui.observability import logger

KEEP_DAYS = 90
NOT_REGISTERED = "not_registered"


def keep(
    who: tuple[str, str], job: ImportJob, row: int, fields: dict[str, Any], code: str | None = None
) -> None:
    """Keeps the row for its person; `code` is the reason the import counted it under (the
    import's `reasons`), `not_registered` for a phone or number nobody has yet."""
    _pending_row(who, job, row, fields, code).save()


def keep_many(rows: Iterable[tuple[tuple[str, str], ImportJob, int, dict[str, Any], str | None]]) -> None:
    """`keep` for a block of rows: one BatchWriteItem per 25."""
    with PendingRow.batch_write() as batch:
        for who, job, row, fields, code in rows:
            batch.save(_pending_row(who, job, row, fields, code))


def _pending_row(
    who: tuple[str, str], job: ImportJob, row: int, fields: dict[str, Any], code: str | None
) -> PendingRow:
    kind, value = who
    return PendingRow(
        *PendingRow.key(kind, value, job.import_id, row),
        kind=kind,
        value=value,
        partner_id=job.partner_id,
        import_id=job.import_id,
        file_type=job.file_type,
        object_key=job.object_key,
        row=row,
        fields={k: ("" if v is None else str(v)) for k, v in fields.items()},
        code=code or (None if kind == "user" else NOT_REGISTERED),
        created_at=utc_now(),
        expires_at=int(time.time()) + KEEP_DAYS * 86400,
    )


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
    of each outcome. Rows still waiting (no consent yet) stay; rows of a withdrawn consent are
    dropped (`_refused_since`)."""
    tally: dict[str, int] = {}
    refused_before: str | None = None
    for n, item in enumerate(_waiting(_names_of(user_id))):
        if n == 0:  # the wallet is read only when something waits
            refused_before = _refused_since(user_id)
        if refused_before is not None and str(item.created_at) < refused_before:
            outcome = credit.withdrawn(int(item.row))
        else:
            outcome = _settle(item, user_id)
        tally[outcome.status] = tally.get(outcome.status, 0) + 1
        if outcome.status != credit.PENDING:
            _leave(item, outcome)
    if tally:
        logger.info("pending rows settled", extra={"user_id": user_id, **tally})
    return tally


def _refused_since(user_id: str) -> str | None:
    """Rows kept before this time are refused (`consent_withdrawn`): any row, for a person whose
    consent is withdrawn now; rows kept before the consent in force, for one who gave it again
    after withdrawing. None: nothing is refused."""
    try:
        wallet = Wallet.get(*Wallet.key(user_id), consistent_read=True,
                            attributes_to_get=[consent.CONSENT_ON_WALLET, "consent_at", consent.WITHDRAWN])
    except Wallet.DoesNotExist:
        return None
    if not wallet.consent_withdrawn_at:
        return None
    if not wallet.consent_version:
        return "~"  # after every time: all of them
    return str(wallet.consent_at)


def drop_for(user_id: str) -> int:
    """Drops the rows waiting for a person who withdrew the consent (by id, phone or bound
    number): each moves from its import's `pending` count to `invalid` (`consent_withdrawn`),
    once. Returns how many this call moved; safe to repeat."""
    dropped = 0
    for item in _waiting(_names_of(user_id)):
        dropped += _leave(item, credit.withdrawn(int(item.row)))
    if dropped:
        logger.info("pending rows dropped: consent withdrawn", extra={"user_id": user_id, "rows": dropped})
    return dropped


def _settle(item: PendingRow, user_id: str) -> credit.Outcome:
    row_no = int(item.row)
    try:
        row = formats.parse_row(item.file_type, plain(item.fields))
        ctx = plans.context(item.partner_id)
        plan = plans.Plan(ctx, item.file_type, item.import_id, item.object_key, row_no, datetime.now(UTC))
        one = plans.credit_of(plan, row, user_id)
    except plans.Rejected as exc:
        return credit.Outcome(row_no, exc.status, exc.code, exc.message)
    except formats.RowInvalid as exc:
        return credit.Outcome(row_no, credit.INVALID, "invalid_value", str(exc))
    return credit.credit_rows([one], plans.quota_for(ctx, one))[0]  # a shop's sale: the maker's


def _leave(item: PendingRow, outcome: credit.Outcome) -> int:
    """Deletes the waiting row and moves it from the import's pending count to its outcome's,
    once: both in one transaction, conditioned on the row still being there. 1 if this call
    moved the counts."""
    job = ImportJob(*ImportJob.key(item.partner_id, item.import_id))
    actions: list[Action] = [ImportJob.pending.add(-1), ImportJob.updated_at.set(utc_now())]
    if outcome.status in COUNTS:
        actions.append(getattr(ImportJob, outcome.status).add(1))
    if outcome.coins or outcome.gco2e:
        actions += [ImportJob.coins.add(outcome.coins), ImportJob.gco2e.add(outcome.gco2e)]
    if item.code:
        actions.append(ImportJob.reasons[item.code].add(-1))  # type: ignore[index]
    if outcome.status != credit.CREDITED:
        actions.append(ImportJob.reasons[outcome.code or outcome.status].add(1))  # type: ignore[index]
    plan = WritePlan("pending_row", key=(item.pk, item.sk))
    plan.delete("row", item, condition=PendingRow.pk.exists())
    plan.update("import", job, actions, condition=ImportJob.pk.exists())
    try:
        retrying(plan.send, operation="pending_row")
    except Cancelled as cancelled:
        if "row" in cancelled.failed:
            return 0  # another sign-in settled this row and moved its counts
        if "import" in cancelled.failed:  # the import is gone: nothing to count on
            item.delete()
            return 0
        raise
    return 1


def settle_quietly(user_id: str) -> None:
    """`settle_for`, for the sign-in paths: a failure is logged and the rows stay pending (they
    are tried again at the next sign-in), the sign-in itself goes on."""
    try:
        settle_for(user_id)
    except Exception:
        logger.exception("pending rows not settled", extra={"user_id": user_id})
