"""Vouchers: the tourist's list and QR images, and the merchant consuming one at the till.

A voucher is `issued` until its merchant consumes it (once), or it expires (`valid_until`); an
expired one that was never consumed is `refunded` by the hourly refund run
(`tanhui.spending.refunds`). Consuming is one conditional update of the voucher.

The till finds the voucher by what the camera reads (the QR's URL or bare token, signed) or by
the number the tourist's screen prints under it (`short`: the voucher id, 16 hex digits in groups
of four, typed with or without dashes or spaces, in either case). The id is a 64-bit random serial,
so a typed number is as hard to guess as a signature; either way only the offer's merchant may
consume it, and another merchant's real voucher is told apart from an unknown code.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tanhui import errors, idempotency
from tanhui.codes import keyring, token
from tanhui.config import get_settings
from tanhui.models.base import iso_ms
from tanhui.models.identity import UserProfile
from tanhui.models.offers import Offer, Voucher, VoucherExpiry, vouchers_pk
from tanhui.models.pages import decode_cursor, page_items
from tanhui.models.writes import Cancelled, WritePlan, retrying
from tanhui.spending.schemas import ConsumedOut, VoucherList, VoucherOut

IMAGE_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
_TYPED = re.compile(r"[0-9A-F]{16}")  # a voucher id as typed, once dashes and spaces are gone
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\uFF0D]")  # spaces, hyphens, dashes a keyboard or IME gives


class VoucherNotFound(errors.NotFound):
    code, message = "voucher_not_found", "No such voucher."


class VoucherOtherMerchant(errors.Forbidden):
    code, message = "voucher_other_merchant", "This voucher is for another merchant's offer."


class VoucherUsed(errors.Conflict):
    code, message = "voucher_used", "This voucher has already been used."


class VoucherExpired(errors.Gone):
    code, message = "voucher_expired", "This voucher has expired; its coins go back to the tourist."


class VoucherCancelled(errors.Gone):
    code, message = "voucher_cancelled", (
        "This voucher was cancelled: its holder closed their account (its coins go back to no one)."
    )


def status(voucher: Voucher, now: str) -> str:
    if voucher.status == "issued" and voucher.valid_until <= now:
        return "expired"  # until the refund run gives the coins back
    return voucher.status


def url(voucher: Voucher) -> str:
    """What the voucher's QR holds: a code URL like a printed code's (`<base>/Q/<token>`), so a
    phone camera opens the landing page and the till takes the URL or the bare token."""
    return token.code_url(get_settings().code_base_url, voucher.code)


def out(voucher: Voucher, now: str | None = None) -> VoucherOut:
    now = now or iso_ms(datetime.now(UTC))
    base = f"/v1/me/vouchers/{voucher.voucher_id}"
    return VoucherOut.model_validate(
        {**voucher.attribute_values, "short": token.short_ref(voucher.voucher_id), "code": url(voucher),
         "status": status(voucher, now), "png": f"{base}.png", "svg": f"{base}.svg"}
    )


def _get(serial: str) -> Voucher:
    try:
        return Voucher.get(*Voucher.key(serial), consistent_read=True)
    except Voucher.DoesNotExist as exc:
        raise VoucherNotFound() from exc


def _own(user_id: str, voucher_id: str) -> Voucher:
    if not (len(voucher_id) == 16 and all(c in "0123456789ABCDEF" for c in voucher_id)):
        raise VoucherNotFound()
    voucher = _get(voucher_id)
    if voucher.user_id != user_id:
        raise VoucherNotFound()
    return voucher


def mine(user_id: str, voucher_id: str) -> VoucherOut:
    """One voucher of the user, as it is now (another user's is 404)."""
    return out(_own(user_id, voucher_id.upper()))


def list_mine(user_id: str, limit: int, cursor: str | None) -> VoucherList:
    pk = vouchers_pk(user_id)
    start = decode_cursor(cursor, {"pk", "sk", "gsi1pk", "gsi1sk"}, equal={"gsi1pk": pk})
    page = Voucher.by_user.query(
        pk, scan_index_forward=False, limit=limit, page_size=limit, last_evaluated_key=start
    )
    now = iso_ms(datetime.now(UTC))
    items, next_cursor = page_items(page, lambda v: out(v, now))
    return VoucherList(items=items, next_cursor=next_cursor)


def image(user_id: str, voucher_file: str) -> tuple[str, bytes]:
    """`<voucher id>.png` or `.svg`: the QR of the voucher's code, to show at the till."""
    voucher_id, _, ext = voucher_file.rpartition(".")
    if ext not in IMAGE_TYPES:
        raise VoucherNotFound()
    voucher = _own(user_id, voucher_id.upper())
    from tanhui.codes import render  # qrcode: only this route draws

    draw = render.png if ext == "png" else render.svg
    return IMAGE_TYPES[ext], draw(url(voucher))


def consume(partner_id: str, staff_id: str, code: str,
            mark: idempotency.Mark = idempotency.no_key) -> ConsumedOut:
    """The offer's merchant takes the voucher at the till, scanned or typed (`presented`): once
    (409 `voucher_used`), before it expires (410 `voucher_expired`); another merchant's voucher is
    403 `voucher_other_merchant`, a code that is no voucher 404."""
    voucher = presented(partner_id, code)
    now = iso_ms(datetime.now(UTC))
    _refuse(voucher, now)
    plan = WritePlan("consume", key=(voucher.voucher_id, staff_id))
    plan.update(
        "voucher", voucher,
        [Voucher.status.set("consumed"), Voucher.consumed_at.set(now), Voucher.consumed_by.set(staff_id)],
        condition=(Voucher.status == "issued") & (Voucher.valid_until > now),
    )
    plan.update("offer", Offer(*Offer.key(voucher.offer_id)), [Offer.consumed.add(1)])
    plan.delete("expiry", VoucherExpiry(*VoucherExpiry.key(voucher.valid_until, voucher.voucher_id)))
    mark(plan, voucher.voucher_id)
    try:
        retrying(plan.send, operation="consume")
    except Cancelled as cancelled:
        if "voucher" not in cancelled.failed:
            raise
        fresh = _get(voucher.voucher_id)
        if (fresh.consumed_by, fresh.consumed_at) == (staff_id, now):  # ours: a lost reply's commit
            return _consumed_out(fresh, now)
        _refuse(fresh, now)  # consumed or expired meanwhile
        raise
    return _consumed_out(voucher, now)


def consume_once(partner_id: str, staff_id: str, code: str, key: str | None) -> ConsumedOut:
    """`consume` with an `Idempotency-Key`: a till that lost the answer and retries with the same
    key and code gets the consumption it made, not 409 `voucher_used`."""
    return idempotency.once(
        "consumes", staff_id, key, {"code": code},
        create=lambda mark: consume(partner_id, staff_id, code, mark),
        id_of=lambda out: out.voucher_id,
        replay=lambda voucher_id: _consumed_out(_get(voucher_id), None),
    ).value


def _consumed_out(voucher: Voucher, consumed_at: str | None) -> ConsumedOut:
    """What the merchant learns of a consumed voucher: the offer and the tourist's display name
    (none once they closed their account)."""
    display_name = ""
    if voucher.user_id is not None:
        try:
            name = UserProfile.get(*UserProfile.key(voucher.user_id), attributes_to_get=["display_name"])
            display_name = name.display_name
        except UserProfile.DoesNotExist:
            pass
    return ConsumedOut(voucher_id=voucher.voucher_id, offer_id=voucher.offer_id, title=voucher.title,
                       display_name=display_name, consumed_at=consumed_at or voucher.consumed_at or "")


def presented(partner_id: str, code: str) -> Voucher:
    """The voucher a till was shown: its QR's URL or token (verified), or its typed number."""
    typed = _SEPARATORS.sub("", code).upper()
    if _TYPED.fullmatch(typed):
        voucher = _get(typed)
        if voucher.partner_id != partner_id:
            raise VoucherOtherMerchant()
        return voucher
    try:
        tok = token.verify(token.parse_scanned(code).token, keyring.verifying_key, token.VOUCHER_KINDS)
    except errors.InvalidCode as exc:
        raise VoucherNotFound() from exc
    if tok.serial is None:
        raise VoucherNotFound()
    if tok.partner_id != partner_id:  # signed: a real voucher of another merchant
        raise VoucherOtherMerchant()
    return _get(tok.serial)


def _refuse(voucher: Voucher, now: str) -> None:
    if voucher.status == "consumed":
        raise VoucherUsed()
    if voucher.status == "cancelled":
        raise VoucherCancelled()
    if voucher.status != "issued" or voucher.valid_until <= now:
        raise VoucherExpired()
