"""Retirement (注销 / 消纳): a holder retires units against a named emission (an event's, a year's
office emissions, a trip, or 以碳代偿 compensation) for a beneficiary and purpose. The lowest held
serials are retired (`registry.ranges`): a retired range never moves or retires again. The
retirement record (public but for who asked) rides in the same plan, with the Idempotency-Key's
mark and, for an individual's offset, the wallet's debit (`registry.offsets`).

Anyone may read a retirement by its id (JSON, no person's id) and its certificate (PDF); a retry
after a lost reply is safe at any time (the record is put once at its id).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tanhui import errors, idempotency
from tanhui.models.base import plain, sortable_id
from tanhui.models.registry import RETIREMENTS, Retirement
from tanhui.models.writes import Cancelled, WritePlan
from tanhui.observability import metrics
from tanhui.registry import accounts, ranges
from tanhui.registry.listings import newest_first
from tanhui.registry.schemas import RetirementIn, RetirementList, RetirementOut
from tanhui.registry.transfers import range_out

RECORD = "retirement"
CHECK_PATH = "/v1/registry/retirements/{retirement_id}"
CERTIFICATE_PATH = CHECK_PATH + "/certificate.pdf"


class RetirementNotFound(errors.NotFound):
    code, message = "registry_retirement_not_found", "No such retirement."


def out_of(record: Retirement) -> dict[str, Any]:
    """The public fields of a retirement (no `created_by`, no `user_id`)."""
    rid = record.retirement_id
    return {
        "retirement_id": rid, "account_id": record.account_id, "account_name": record.account_name,
        "units": int(record.units), "ranges": [range_out(int(s), int(e)) for s, e in record.ranges],
        "beneficiary": record.beneficiary, "purpose": record.purpose, "emission": plain(record.emission),
        "created_at": record.created_at, "check_path": CHECK_PATH.format(retirement_id=rid),
        "certificate_path": CERTIFICATE_PATH.format(retirement_id=rid), "coins": record.coins,
    }


def public(record: Retirement) -> RetirementOut:
    return RetirementOut.model_validate(out_of(record))


def retire(
    account_id: str, body: RetirementIn, by: str, mark: idempotency.Mark = idempotency.no_key, *,
    emission: dict[str, Any] | None = None, user_id: str | None = None, coins: int | None = None,
    also: Callable[[WritePlan, str, str], None] | None = None,
) -> Retirement:
    """Retires `body.units` of the account; `also(plan, retirement_id, now)` adds the caller's
    items (an offset's wallet debit). A failed condition of those raises `Cancelled`."""
    account = accounts.get_account(account_id)
    retirement_id = sortable_id(datetime.now(UTC))
    made: list[Retirement] = []

    def record(plan: WritePlan, moved: ranges.Ranges, now: str) -> None:
        made[:] = [Retirement(
            *Retirement.key(retirement_id), retirement_id=retirement_id, account_id=account_id,
            account_name=account.name, units=body.units, ranges=moved, beneficiary=body.beneficiary,
            purpose=body.purpose, emission=emission or body.emission.model_dump(exclude_none=True),
            created_by=by, user_id=user_id, coins=coins, created_at=now, gsi1sk=retirement_id,
        )]
        plan.put(RECORD, made[0], condition=Retirement.pk.does_not_exist())
        if also is not None:
            also(plan, retirement_id, now)
        mark(plan, retirement_id)

    try:
        moved = ranges.move(account_id, body.units, to=None, operation="retirement", moved_by=retirement_id,
                            also=record, written=lambda: _exists(retirement_id))
    except Cancelled as cancelled:
        if RECORD in cancelled.failed:  # a lost reply: the first plan was written
            return get_retirement(retirement_id)
        raise
    if moved is None:  # a lost reply: the first plan was written
        return get_retirement(retirement_id)
    metrics.add_metric(name="RegistryUnitsRetired", unit="Count", value=body.units)
    return made[0]


def _exists(retirement_id: str) -> bool:
    try:
        Retirement.get(*Retirement.key(retirement_id), consistent_read=True, attributes_to_get=["pk"])
    except Retirement.DoesNotExist:
        return False
    return True


def holder_retire_once(
    user_id: str, body: RetirementIn, key: str | None
) -> idempotency.Outcome[RetirementOut]:
    """A holder's staff retire units of their own account."""
    account = accounts.account_of_staff(user_id)
    return idempotency.once(
        "registry retirements", user_id, key, body,
        create=lambda mark: public(retire(account.account_id, body, user_id, mark)),
        id_of=lambda out: out.retirement_id, replay=retirement_out,
    )


def get_retirement(retirement_id: str) -> Retirement:
    try:
        return Retirement.get(*Retirement.key(retirement_id.upper()), consistent_read=True)
    except Retirement.DoesNotExist as exc:
        raise RetirementNotFound() from exc


def retirement_out(retirement_id: str) -> RetirementOut:
    if len(retirement_id) != 26 or not retirement_id.isalnum():
        raise RetirementNotFound()
    return public(get_retirement(retirement_id))


def list_retirements(limit: int, cursor: str | None) -> RetirementList:
    items, next_cursor = newest_first(Retirement.by_listing, RETIREMENTS, public, limit, cursor)
    return RetirementList(items=items, next_cursor=next_cursor)
