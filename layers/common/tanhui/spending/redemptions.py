"""Redeeming an offer: one TransactWriteItems, all or nothing.

    0  Put     the voucher, attribute_not_exists(pk)
    1  Put     its expiry marker (the refund's worklist, sharded by serial)
    2  Update  the offer: stock - 1, redeemed + 1, if active, inside its validity and stock >= 1
    3  Put     the ledger entry (kind `spend`)                   } tanhui.wallet.account
    4  Update  the wallet: coins - cost, if coins >= cost         } .add_movement
    5  Update  the tourist's count of this offer, if under per_user_limit (only with a limit)

The offer is the one item redemptions of different tourists share (docs/tourists.md, "Spending coins").
A retry with the same `Idempotency-Key` and body answers with the same voucher.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import TransactWriteError

from tanhui import errors, idempotency
from tanhui.codes import keyring, token
from tanhui.models.base import iso_ms
from tanhui.models.offers import Offer, RedemptionCount, Voucher, VoucherExpiry, vouchers_pk
from tanhui.models.transactions import failed_keys, transaction
from tanhui.observability import logger
from tanhui.spending import offers, vouchers
from tanhui.spending.schemas import RedemptionIn, VoucherOut
from tanhui.wallet.account import add_movement


class _Cancelled(Exception):
    """The redemption's transaction was cancelled: which of its items' conditions failed."""

    def __init__(self, exc: TransactWriteError, failed: set[str]):
        super().__init__(str(exc))
        self.exc, self.failed = exc, failed
ATTEMPTS = 3  # TransactionConflict: another redemption of the same offer at the same moment


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
        create=lambda: redeem(user_id, req.offer_id),
        id_of=lambda out: out.voucher_id,
        replay=lambda voucher_id: vouchers.mine(user_id, voucher_id),
    )


def redeem(user_id: str, offer_id: str, *, at: datetime | None = None) -> VoucherOut:
    for attempt in range(ATTEMPTS):
        offer = offers.get(offer_id, consistent=True)
        at_ = at or datetime.now(UTC)
        now = iso_ms(at_)
        if not offers.is_open(offer, now):
            raise offers.OfferNotActive()
        if offer.stock <= 0:
            raise OutOfStock()
        try:
            return _write(user_id, offer, at_, now)
        except _Cancelled as cancelled:
            exc = cancelled.exc
            refusal = _refusal(exc, cancelled.failed, offer)
            if refusal is not None:
                raise refusal from exc
            if attempt == ATTEMPTS - 1:
                raise errors.Conflict("Busy; try again.", code="busy") from exc
            logger.info("redemption retried", extra={"offer_id": offer.offer_id})
    raise AssertionError("unreachable")  # pragma: no cover


def _write(user_id: str, offer: Offer, at: datetime, now: str) -> VoucherOut:
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
    t = transaction()
    names: dict[tuple[str, str], str] = {}
    try:
        with t:
            _redemption_items(t, names, user_id, offer, voucher, expiry, cost, now, tok.serial)
    except TransactWriteError as exc:  # PynamoDB reorders the items: name the failed ones by key
        raise _Cancelled(exc, {names[k] for k in failed_keys(t, exc) if k in names}) from exc
    logger.info("offer redeemed", extra={"offer_id": offer.offer_id, "coins": cost})
    return vouchers.out(voucher, now)


def _redemption_items(
    t: Any, names: dict[tuple[str, str], str], user_id: str, offer: Offer, voucher: Voucher,
    expiry: VoucherExpiry, cost: int, now: str, serial: str,
) -> None:
    """The redemption's writes, each named in `names` by its key."""
    names[(voucher.pk, voucher.sk)] = "voucher"
    names[(expiry.pk, expiry.sk)] = "expiry"
    t.save(voucher, condition=Voucher.pk.does_not_exist())
    t.save(expiry, condition=VoucherExpiry.pk.does_not_exist())
    names[Offer.key(offer.offer_id)] = "offer"
    t.update(
        Offer(*Offer.key(offer.offer_id)),
        actions=[Offer.stock.add(-1), Offer.redeemed.add(1)],
        condition=Offer.pk.exists() & (Offer.status == "active") & (Offer.stock >= 1)
        & (Offer.valid_from <= now) & (Offer.valid_until > now),
    )
    entry, wallet = add_movement(
        t, user_id, cost, kind="spend", reference=serial, now=now, channel="redemption",
        evidence={"offer_id": offer.offer_id, "title": offer.title, "partner_id": offer.partner_id},
    )
    names[entry], names[wallet] = "entry", "wallet"
    if offer.per_user_limit is not None:
        names[RedemptionCount.key(user_id, offer.offer_id)] = "count"
        t.update(
            RedemptionCount(*RedemptionCount.key(user_id, offer.offer_id)),
            actions=[RedemptionCount.redeemed.add(1)],
            condition=RedemptionCount.redeemed.does_not_exist()
            | (RedemptionCount.redeemed < int(offer.per_user_limit)),
        )


def _refusal(exc: TransactWriteError, failed: set[str], offer: Offer) -> errors.TanhuiError | None:
    """What a cancelled redemption means; None: contention only, worth another attempt."""
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
    codes = {r.code for r in exc.cancellation_reasons if r is not None}
    if codes <= {"None", "TransactionConflict", "ThrottlingError"}:
        return None
    return errors.Conflict("Busy; try again.", code="busy")
