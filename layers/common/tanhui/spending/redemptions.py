"""Redeeming an offer: one write plan (`models.writes`), all or nothing.

    voucher  Put     the voucher, attribute_not_exists(pk)
    expiry   Put     its expiry marker (the refund's worklist, sharded by serial)
    offer    Update  the offer: stock - 1, redeemed + 1, if active, inside its validity and stock >= 1
    entry    Put     the ledger entry (kind `spend`)                   } tanhui.wallet.account
    wallet   Update  the wallet: coins - cost, if coins >= cost         } .add_movement
    count    Update  the tourist's count of this offer, if under per_user_limit (only with a limit)

The offer is the one item redemptions of different tourists share (docs/tourists.md, "Spending coins").
Contention on it is retried by `models.writes.retrying`, with the same plan. A retry with the same
`Idempotency-Key` and body answers with the same voucher; a retry after a lost reply is safe at
any time: within the token window (the plan's key is the voucher's serial) it is a no-op, and
after it the voucher and the `spend` entry exist once, by serial (a cancelled retry draws a new
serial only when nothing was written).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tanhui import errors, idempotency
from tanhui.codes import keyring, token
from tanhui.models.base import iso_ms
from tanhui.models.offers import Offer, RedemptionCount, Voucher, VoucherExpiry, vouchers_pk
from tanhui.models.writes import Cancelled, WritePlan, retrying
from tanhui.observability import logger
from tanhui.spending import offers, vouchers
from tanhui.spending.schemas import RedemptionIn, VoucherOut
from tanhui.wallet.account import add_movement

ATTEMPTS = 3  # a redemption is rebuilt (a fresh offer read, a new serial) at most this often


class InsufficientCoins(errors.Conflict):
    code, message = "insufficient_coins", "The wallet does not hold enough coins for this offer."


class OutOfStock(errors.Conflict):
    code, message = "out_of_stock", "This offer is out of stock."


class LimitReached(errors.Conflict):
    code, message = "limit_reached", "You have redeemed this offer as often as it allows."


def redeem_once(user_id: str, req: RedemptionIn, key: str | None) -> idempotency.Outcome[VoucherOut]:
    if key is None:
        raise idempotency.InvalidKey("Send an Idempotency-Key header (1 to 255 visible ASCII characters).")
    return idempotency.once(
        "redemptions", user_id, key, req,
        create=lambda mark: redeem(user_id, req.offer_id, mark=mark),
        id_of=lambda out: out.voucher_id,
        replay=lambda voucher_id: vouchers.mine(user_id, voucher_id),
    )


def redeem(user_id: str, offer_id: str, *, at: datetime | None = None,
           mark: idempotency.Mark = idempotency.no_key) -> VoucherOut:
    for _ in range(ATTEMPTS):
        offer = offers.get(offer_id, consistent=True)
        at_ = at or datetime.now(UTC)
        now = iso_ms(at_)
        if not offers.is_open(offer, now):
            raise offers.OfferNotActive()
        if offer.stock <= 0:
            raise OutOfStock()
        try:
            return _write(user_id, offer, at_, now, mark)
        except Cancelled as cancelled:
            refusal = _refusal(cancelled, offer)
            if refusal is not None:
                raise refusal from cancelled
            logger.info("redemption rebuilt", extra={"offer_id": offer.offer_id})
    raise errors.Busy()


def _write(user_id: str, offer: Offer, at: datetime, now: str, mark: idempotency.Mark) -> VoucherOut:
    kid, key = keyring.keyring().signing_key()
    tok = token.issue_voucher(kid, key, offer.partner_id, offer.offer_id[6:])
    assert tok.serial is not None
    cost = int(offer.coins_cost)
    valid_until = iso_ms(at + timedelta(days=int(offer.voucher_valid_days)))
    voucher = Voucher(
        *Voucher.key(tok.serial),
        voucher_id=tok.serial, code=tok.text, offer_id=offer.offer_id, partner_id=offer.partner_id,
        partner_name=offer.partner_name, title=offer.title, coins=cost, user_id=user_id,
        valid_until=valid_until, created_at=now,
        gsi1pk=vouchers_pk(user_id), gsi1sk=f"{now}#{tok.serial}",
    )
    expiry = VoucherExpiry(*VoucherExpiry.key(valid_until, tok.serial), voucher_id=tok.serial,
                           valid_until=valid_until)
    plan = WritePlan("redemption", key=(user_id, tok.serial))
    _redemption_items(plan, user_id, offer, voucher, expiry, cost, now, tok.serial)
    mark(plan, tok.serial)
    try:
        retrying(plan.send, operation="redemption")
    except Cancelled as cancelled:
        if not _made_by_this(cancelled, user_id, now):
            raise
    logger.info("offer redeemed", extra={"offer_id": offer.offer_id, "coins": cost})
    return vouchers.out(voucher, now)


def _redemption_items(
    plan: WritePlan, user_id: str, offer: Offer, voucher: Voucher, expiry: VoucherExpiry, cost: int,
    now: str, serial: str,
) -> None:
    plan.put("voucher", voucher, condition=Voucher.pk.does_not_exist(), old_on_failure=True)
    plan.put("expiry", expiry, condition=VoucherExpiry.pk.does_not_exist())
    plan.update(
        "offer",
        Offer(*Offer.key(offer.offer_id)),
        [Offer.stock.add(-1), Offer.redeemed.add(1)],
        condition=Offer.pk.exists() & (Offer.status == "active") & (Offer.stock >= 1)
        & (Offer.valid_from <= now) & (Offer.valid_until > now),
    )
    add_movement(
        plan, user_id, cost, kind="spend", reference=serial, now=now, channel="redemption",
        evidence={"offer_id": offer.offer_id, "title": offer.title, "partner_id": offer.partner_id},
    )
    if offer.per_user_limit is not None:
        plan.update(
            "count",
            RedemptionCount(*RedemptionCount.key(user_id, offer.offer_id)),
            [RedemptionCount.redeemed.add(1)],
            condition=RedemptionCount.redeemed.does_not_exist()
            | (RedemptionCount.redeemed < int(offer.per_user_limit)),
        )


def _made_by_this(cancelled: Cancelled, user_id: str, now: str) -> bool:
    """The voucher is there already and is this very plan's (its serial is new, its owner and
    time are ours): an attempt whose reply was lost committed it."""
    old = cancelled.old("voucher") or {}
    return (old.get("user_id", {}).get("S"), old.get("created_at", {}).get("S")) == (user_id, now)


def _refusal(cancelled: Cancelled, offer: Offer) -> errors.TanhuiError | None:
    """What a cancelled redemption means; None: worth rebuilding (a serial drawn twice, or the
    offer changed but is still open with stock)."""
    failed = cancelled.failed
    if "offer" in failed:
        fresh = offers.get(offer.offer_id, consistent=True)
        if not offers.is_open(fresh, iso_ms(datetime.now(UTC))):
            return offers.OfferNotActive()
        return OutOfStock() if fresh.stock <= 0 else None
    if "wallet" in failed:
        return InsufficientCoins()
    if "count" in failed:
        return LimitReached()
    if failed:  # a serial drawn twice: draw again
        return None
    return errors.Busy()
