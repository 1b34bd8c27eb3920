"""The hourly refund of expired vouchers nobody consumed: their coins go back, exactly once.

The worklist is the expiry markers (`VoucherExpiry`): one query per (hour, shard) bucket from
`LOOKBACK_HOURS` ago to now. Each expired, still `issued` voucher is refunded by one write plan
(`models.writes`):

    voucher  Update  the voucher: status issued -> refunded, if issued and valid_until <= now
    entry    Put     the ledger entry (kind `refund`) at BEHAVIOUR#refund#<serial>  } wallet.account
    wallet   Update  the wallet: coins + cost                                        } .add_movement
    offer    Update  the offer's refunded count
    marker   Delete  the marker

A second run (or two at once) finds the voucher no longer `issued` (or the entry present): the
plan is cancelled and nothing is given twice; the marker of a voucher consumed or refunded
meanwhile is just deleted. A retry after a lost reply is a no-op within the token window (the
plan's key is the serial) and is refused after it by the same conditions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tanhui.models.base import iso_ms
from tanhui.models.offers import EXPIRY_SHARDS, Offer, Voucher, VoucherExpiry, expiry_pk
from tanhui.models.writes import WORKER, Cancelled, WritePlan, retrying
from tanhui.observability import logger
from tanhui.wallet.account import add_movement

LOOKBACK_HOURS = 72  # a run that failed for up to three days is caught up by the next one


@dataclass
class RefundRun:
    refunded: int = 0
    coins: int = 0
    skipped: int = 0  # consumed, already refunded, or refunded by a concurrent run
    vouchers: list[str] = field(default_factory=list)


def _hours(now: datetime) -> list[str]:
    top = now.replace(minute=0, second=0, microsecond=0)
    return [iso_ms(top - timedelta(hours=h))[:13] for h in range(LOOKBACK_HOURS, -1, -1)]


def run(*, at: datetime | None = None) -> RefundRun:
    now_dt = at or datetime.now(UTC)
    now = iso_ms(now_dt)
    result = RefundRun()
    for hour in _hours(now_dt):
        for shard in range(EXPIRY_SHARDS):
            for marker in VoucherExpiry.query(expiry_pk(hour, shard)):
                if marker.valid_until > now:
                    continue
                if _refund(marker, now):
                    result.refunded += 1
                    result.vouchers.append(marker.voucher_id)
                else:
                    result.skipped += 1
    result.coins = sum(int(Voucher.get(*Voucher.key(v)).coins) for v in result.vouchers)
    logger.info("vouchers refunded", extra={"refunded": result.refunded, "skipped": result.skipped})
    return result


def _refund(marker: VoucherExpiry, now: str) -> bool:
    try:
        voucher = Voucher.get(*Voucher.key(marker.voucher_id), consistent_read=True)
    except Voucher.DoesNotExist:
        marker.delete()
        return False
    if voucher.status != "issued":
        marker.delete()
        return False
    plan = WritePlan("voucher_refund", key=(voucher.voucher_id,))
    plan.update(
        "voucher", voucher, [Voucher.status.set("refunded"), Voucher.refunded_at.set(now)],
        condition=(Voucher.status == "issued") & (Voucher.valid_until <= now),
    )
    add_movement(
        plan, voucher.user_id, int(voucher.coins), kind="refund", reference=voucher.voucher_id,
        now=now, channel="voucher_expiry", evidence={"offer_id": voucher.offer_id, "title": voucher.title},
    )
    plan.update("offer", Offer(*Offer.key(voucher.offer_id)), [Offer.refunded.add(1)])
    plan.delete("marker", marker)
    try:
        retrying(plan.send, operation="voucher_refund", budget=WORKER)
    except Cancelled:
        logger.info("voucher not refunded: changed meanwhile", extra={"voucher_id": voucher.voucher_id})
        return False
    return True
