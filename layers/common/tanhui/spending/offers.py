"""Offers: alliance merchants make, change and withdraw them; tourists list what they can buy.

Only `merchant` partners, or partners the operator admitted to the alliance (`alliance`), may
make offers. A withdrawn offer takes no more redemptions; its vouchers stay valid until they
expire.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pynamodb.exceptions import UpdateError

from tanhui import errors
from tanhui.models.base import iso_ms, save_with_fresh_id, utc_now
from tanhui.models.offers import OFFER_LISTING, Offer, offer_key
from tanhui.models.pages import decode_cursor, encode_cursor, page_items
from tanhui.partners import registry as partners
from tanhui.spending.schemas import (
    MerchantOfferList,
    MerchantOfferOut,
    OfferIn,
    OfferList,
    OfferOut,
    OfferPatch,
)

Sort = Literal["newest", "cheapest"]


class NotAllianceMember(errors.Forbidden):
    code = "not_alliance_member"
    message = "Only merchants and partners in the low-carbon alliance may make offers."


class OfferNotFound(errors.NotFound):
    code, message = "offer_not_found", "No such offer."


class OfferChanged(errors.Conflict):
    code = "offer_changed"
    message = "The offer's stock changed meanwhile (a redemption); read it and try again."


class OfferNotActive(errors.Conflict):
    code, message = "offer_not_active", "This offer is withdrawn or outside its validity."


def _may_offer(partner_id: str) -> str:
    partner = partners.cached_partner(partner_id)
    if partner.role != "merchant" and not partner.alliance:
        raise NotAllianceMember()
    return partner.name


def create(partner_id: str, req: OfferIn) -> MerchantOfferOut:
    name = _may_offer(partner_id)
    now = utc_now()
    item = save_with_fresh_id(  # 3 bytes: the offer sits inside its vouchers' tokens
        lambda local: Offer(
            *offer_key(partner_id + local),
            offer_id=partner_id + local,
            partner_id=partner_id,
            partner_name=name,
            title=req.title,
            description=req.description,
            coins_cost=req.coins_cost,
            stock=req.stock,
            per_user_limit=req.per_user_limit,
            valid_from=req.valid_from,
            valid_until=req.valid_until,
            voucher_valid_days=req.voucher_valid_days,
            created_at=now,
            updated_at=now,
            gsi1pk=OFFER_LISTING,
            gsi1sk=f"{now}#{partner_id}{local}",
        )
    )
    if item is None:
        raise errors.Conflict("Could not allocate an offer id; try again.", code="id_exhausted")
    return MerchantOfferOut.model_validate(item)


def get(offer_id: str, *, consistent: bool = False) -> Offer:
    if len(offer_id) != 12:
        raise OfferNotFound()
    try:
        return Offer.get(*Offer.key(offer_id.upper()), consistent_read=consistent)
    except Offer.DoesNotExist as exc:
        raise OfferNotFound() from exc


def own(partner_id: str, offer_id: str) -> Offer:
    """The merchant's own offer; another partner's is 404, as if it did not exist."""
    if not offer_id.upper().startswith(partner_id):
        raise OfferNotFound()
    return get(offer_id, consistent=True)


def update(partner_id: str, offer_id: str, req: OfferPatch) -> MerchantOfferOut:
    offer = own(partner_id, offer_id)
    changes = req.model_dump(exclude_unset=True)
    valid_from = changes.get("valid_from", offer.valid_from)
    valid_until = changes.get("valid_until", offer.valid_until)
    if valid_until <= valid_from:
        raise errors.Unprocessable(
            "valid_until must be after valid_from.",
            details=[{"field": "valid_until", "problem": "must be after valid_from"}],
        )
    actions = [getattr(Offer, name).set(value) for name, value in changes.items()]
    condition = Offer.pk.exists()
    if "stock" in changes:  # the stock left, as the merchant saw it: not one a redemption took since
        condition &= Offer.stock == offer.stock
    try:
        offer.update(actions=[*actions, Offer.updated_at.set(utc_now())], condition=condition)
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise OfferChanged() from exc
        raise
    return MerchantOfferOut.model_validate(offer)


def withdraw(partner_id: str, offer_id: str) -> MerchantOfferOut:
    offer = own(partner_id, offer_id)
    offer.update(actions=[Offer.status.set("withdrawn"), Offer.updated_at.set(utc_now())])
    return MerchantOfferOut.model_validate(offer)


def list_own(partner_id: str, limit: int, cursor: str | None) -> MerchantOfferList:
    pk = offer_key(partner_id + "000000")[0]
    start = decode_cursor(cursor, {"pk", "sk"}, equal={"pk": pk}, prefix={"sk": "OFFER#"})
    page = Offer.query(
        pk, Offer.sk.startswith("OFFER#"), scan_index_forward=False, limit=limit, page_size=limit,
        last_evaluated_key=start, consistent_read=True,
    )
    items, next_cursor = page_items(page, MerchantOfferOut.model_validate)
    return MerchantOfferList(items=items, next_cursor=next_cursor)


def is_open(offer: Offer, now: str) -> bool:
    return offer.status == "active" and offer.valid_from <= now < offer.valid_until


def available(offer_id: str) -> OfferOut:
    """An offer a tourist may look at: any that is open now, in stock or not."""
    offer = get(offer_id)
    if not is_open(offer, utc_now()):
        raise OfferNotFound()
    return OfferOut.model_validate(offer)


def _sort_key(offer: Offer, sort: Sort) -> str:
    if sort == "cheapest":  # cheapest first, then newest
        newest = "".join(chr(0x7E - ord(c) + 0x20) for c in offer.gsi1sk)
        return f"{int(offer.coins_cost):07d}#{newest}"
    return offer.gsi1sk


def list_available(sort: Sort, limit: int, cursor: str | None) -> OfferList:
    """Open, in stock, newest or cheapest first. Offers are read through the listing index with
    a filter (a pilot holds hundreds of offers, one query page or two), sorted here, and paged
    by the last sort key the previous page ended on."""
    start = decode_cursor(cursor, {"after"})
    after = start["after"]["S"] if start else None
    now = iso_ms(datetime.now(UTC))
    found = Offer.listing.query(
        OFFER_LISTING,
        filter_condition=(Offer.status == "active") & (Offer.stock > 0)
        & (Offer.valid_from <= now) & (Offer.valid_until > now),
    )
    keyed = sorted(((_sort_key(o, sort), o) for o in found), key=lambda pair: pair[0],
                   reverse=sort == "newest")
    if after is not None:
        keyed = [(k, o) for k, o in keyed if (k < after if sort == "newest" else k > after)]
    page = keyed[:limit]
    more = len(keyed) > limit
    items, _ = page_items([o for _, o in page], OfferOut.model_validate)
    return OfferList(items=items, next_cursor=encode_cursor({"after": {"S": page[-1][0]}}) if more else None)
