"""Transfer registration (转移登记): units move from one holding account to another, the lowest
serials first (`registry.ranges`), with a record of who, when, why, the price and the ranges
moved, all in one write plan (with the Idempotency-Key's mark).

The operator transfers between any two accounts; a holder's staff transfer from their own
account only where the operator allowed it (`transfers_allowed`, else 403
`registry_transfers_not_allowed`). A retry after a lost reply is safe at any time: the transfer
record is put once at its id, so a second plan is refused and moves nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tanhui import errors, idempotency
from tanhui.models.base import sortable_id
from tanhui.models.registry import TRANSFERS, Transfer
from tanhui.models.writes import Cancelled, WritePlan
from tanhui.observability import metrics
from tanhui.registry import accounts, ranges
from tanhui.registry.listings import newest_first
from tanhui.registry.schemas import PartnerTransferIn, RangeOut, TransferIn, TransferList, TransferOut

RECORD = "transfer"


class SameAccount(errors.Unprocessable):
    code, message = "registry_same_account", "A transfer goes from one account to another."


class TransferNotFound(errors.NotFound):
    code, message = "registry_transfer_not_found", "No such transfer."


def range_out(start: int, end: int) -> RangeOut:
    return RangeOut(start=start, end=end, units=end - start, first_serial=ranges.label(start),
                    last_serial=ranges.label(end - 1))


def out_of(record: Transfer) -> TransferOut:
    return TransferOut.model_validate({**record.attribute_values,
                                       "ranges": [range_out(int(s), int(e)) for s, e in record.ranges]})


def transfer(source: str, body: TransferIn | PartnerTransferIn, by: str, role: str,
             mark: idempotency.Mark = idempotency.no_key) -> TransferOut:
    if source == body.to:
        raise SameAccount()
    accounts.account_for(source)
    accounts.account_for(body.to)
    transfer_id = sortable_id(datetime.now(UTC))
    made: list[Transfer] = []

    def record(plan: WritePlan, moved: ranges.Ranges, now: str) -> None:
        made[:] = [Transfer(
            *Transfer.key(transfer_id), transfer_id=transfer_id, from_account=source, to_account=body.to,
            units=body.units, ranges=moved, reason=body.reason, price_fen=body.price_fen, created_by=by,
            created_by_role=role, created_at=now, gsi1sk=transfer_id,
        )]
        plan.put(RECORD, made[0], condition=Transfer.pk.does_not_exist())
        mark(plan, transfer_id)

    try:
        moved = ranges.move(source, body.units, to=body.to, operation="transfer", moved_by=transfer_id,
                            also=record, written=lambda: _exists(transfer_id))
    except Cancelled as cancelled:
        if RECORD in cancelled.failed:  # a lost reply: the first plan was written
            return transfer_out(transfer_id)
        raise
    if moved is None:  # a lost reply: the first plan was written
        return transfer_out(transfer_id)
    metrics.add_metric(name="RegistryUnitsTransferred", unit="Count", value=body.units)
    return out_of(made[0])


def _exists(transfer_id: str) -> bool:
    try:
        Transfer.get(*Transfer.key(transfer_id), consistent_read=True, attributes_to_get=["pk"])
    except Transfer.DoesNotExist:
        return False
    return True


def transfer_once(source: str, body: TransferIn | PartnerTransferIn, by: str, role: str,
                  key: str | None) -> idempotency.Outcome[TransferOut]:
    return idempotency.once(
        "registry transfers", by, key, {"from": source, **body.model_dump(mode="json", by_alias=True)},
        create=lambda mark: transfer(source, body, by, role, mark),
        id_of=lambda out: out.transfer_id, replay=transfer_out,
    )


def holder_transfer_once(
    user_id: str, body: PartnerTransferIn, key: str | None
) -> idempotency.Outcome[TransferOut]:
    """A holder's staff transfer from their own account, where the operator allowed it."""
    account = accounts.account_of_staff(user_id)
    if not account.transfers_allowed:
        raise accounts.TransfersNotAllowed()
    return transfer_once(account.account_id, body, user_id, "partner", key)


def transfer_out(transfer_id: str) -> TransferOut:
    try:
        return out_of(Transfer.get(*Transfer.key(transfer_id), consistent_read=True))
    except Transfer.DoesNotExist as exc:
        raise TransferNotFound() from exc


def list_transfers(limit: int, cursor: str | None) -> TransferList:
    items, next_cursor = newest_first(Transfer.by_listing, TRANSFERS, out_of, limit, cursor)
    return TransferList(items=items, next_cursor=next_cursor)
