"""Spending API: merchants' offers and the till (partner staff); tourists' offers, redemptions and
vouchers."""

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from tanhui import api, errors, idempotency
from tanhui.openapi import Raises, responses
from tanhui.partners import registry as partners
from tanhui.spending import offers, redemptions, vouchers
from tanhui.spending.schemas import (
    ConsumedOut,
    ConsumeIn,
    MerchantOfferList,
    MerchantOfferOut,
    OfferIn,
    OfferList,
    OfferOut,
    OfferPatch,
    RedemptionIn,
    VoucherList,
    VoucherOut,
)

STAFF: tuple[Raises, ...] = ((errors.Forbidden, "not_partner_staff"),)
OWN_OFFER = (*STAFF, offers.OfferNotFound)
CURSOR = (errors.BadRequest, "invalid_cursor")
IDEMPOTENCY_KEY = idempotency.ERRORS
Cursor = Annotated[str | None, Query(max_length=2048)]

app = APIGatewayHttpResolver(enable_validation=True, serializer=api.to_json)
api.install(app)


def _partner_id() -> str:
    return partners.partner_of(api.require_role(api.principal(app), "partner").user_id)


def _tourist() -> str:
    return api.require_role(api.principal(app), "tourist").user_id


# ---------------------------------------------------------------------------- merchant offers
@app.post(
    "/v1/partner/offers",
    tags=["spending"],
    summary="Make an offer",
    description="Something tourists buy with coins (`coins_cost`), `stock` units, at most "
    "`per_user_limit` per tourist, open from `valid_from` until `valid_until`; each voucher is "
    "valid `voucher_valid_days` from its redemption. Merchants, and partners in the low-carbon "
    "alliance.",
    responses=responses(201, "Created.", raises=[*STAFF, offers.NotAllianceMember,
                                                 (errors.Conflict, "id_exhausted")]),
)
@api.allow("partner")
def create_offer(body: Annotated[OfferIn, Body()]) -> Response[MerchantOfferOut]:
    return Response(201, api.JSON, offers.create(_partner_id(), body))


@app.get(
    "/v1/partner/offers",
    tags=["spending"],
    summary="List my offers",
    description="The partner's offers, newest first, with how many were redeemed, consumed and "
    "refunded.",
    responses=responses(raises=[*STAFF, CURSOR]),
)
@api.allow("partner")
def list_my_offers(limit: api.PageLimit = 20, cursor: Cursor = None) -> MerchantOfferList:
    return offers.list_own(_partner_id(), limit, cursor)


@app.patch(
    "/v1/partner/offers/<offer_id>",
    tags=["spending"],
    summary="Change an offer",
    description="Title, description, stock left, per-user limit, validity, voucher validity; "
    "the price stays (withdraw and make another offer). A new `stock` applies only if no "
    "redemption took a unit since the offer was read (else 409 `offer_changed`: read it again).",
    responses=responses(raises=[*OWN_OFFER, offers.OfferChanged]),
)
@api.allow("partner")
def update_offer(offer_id: api.PathId, body: Annotated[OfferPatch, Body()]) -> MerchantOfferOut:
    return offers.update(_partner_id(), offer_id, body)


@app.delete(
    "/v1/partner/offers/<offer_id>",
    tags=["spending"],
    summary="Withdraw an offer",
    description="No more redemptions; vouchers already issued stay valid until they expire.",
    responses=responses(raises=OWN_OFFER),
)
@api.allow("partner")
def withdraw_offer(offer_id: api.PathId) -> MerchantOfferOut:
    return offers.withdraw(_partner_id(), offer_id)


@app.post(
    "/v1/partner/vouchers/consume",
    tags=["spending"],
    summary="Take a voucher at the till",
    description="The voucher's `code` as scanned from the tourist's phone (the QR's URL or bare "
    "token), or its number as typed from the tourist's screen (`short`: 16 hex digits, dashes, "
    "spaces and case as they come); once only. The merchant sees the offer's title and the "
    "tourist's display name, nothing more. Another merchant's voucher is 403 "
    "`voucher_other_merchant`; a code that is no voucher 404 `voucher_not_found`. With an "
    "`Idempotency-Key` header a retry with the same key and code (the till lost the answer) "
    "answers the consumption it made instead of 409 `voucher_used`.",
    responses=responses(raises=[
        *STAFF, *IDEMPOTENCY_KEY, vouchers.VoucherNotFound, vouchers.VoucherOtherMerchant,
        vouchers.VoucherUsed, vouchers.VoucherExpired, vouchers.VoucherCancelled,
    ]),
)
@api.allow("partner")
def consume_voucher(
    body: Annotated[ConsumeIn, Body()], idempotency_key: api.OptionalIdempotencyKey = None
) -> ConsumedOut:
    who = api.require_role(api.principal(app), "partner")
    return vouchers.consume_once(partners.partner_of(who.user_id), who.user_id, body.code, idempotency_key)


# ------------------------------------------------------------------------------- tourists
@app.get(
    "/v1/offers",
    tags=["spending"],
    summary="Offers I can buy",
    description="Offers open now and in stock, `sort=newest` (default) or `cheapest` first, a "
    "page at a time (`cursor`).",
    responses=responses(raises=[CURSOR]),
)
@api.allow("tourist")
def list_offers(
    sort: Annotated[Literal["newest", "cheapest"], Query()] = "newest",
    limit: api.PageLimit = 20,
    cursor: Cursor = None,
) -> OfferList:
    _tourist()
    return offers.list_available(sort, limit, cursor)


@app.get(
    "/v1/offers/<offer_id>",
    tags=["spending"],
    summary="An offer",
    description="One offer open now (in stock or not).",
    responses=responses(raises=[offers.OfferNotFound]),
)
@api.allow("tourist")
def get_offer(offer_id: api.PathId) -> OfferOut:
    _tourist()
    return offers.available(offer_id)


@app.post(
    "/v1/redemptions",
    tags=["spending"],
    summary="Buy an offer with coins",
    description="Takes the offer's coins from the wallet and one unit of its stock, and issues a "
    "voucher, all in one transaction. The `Idempotency-Key` header is required (one per intent: a "
    "retry with the same key and body answers 200 with the same voucher; without one 400 "
    "`invalid_idempotency_key`).",
    responses=responses(201, "Redeemed: the voucher.", replay="The same Idempotency-Key again: the "
                        "voucher it issued.", raises=[
                            *IDEMPOTENCY_KEY, offers.OfferNotFound, offers.OfferNotActive,
                            redemptions.InsufficientCoins, redemptions.OutOfStock,
                            redemptions.LimitReached, (errors.Conflict, "busy"),
                        ]),
)
@api.allow("tourist")
def redeem(
    body: Annotated[RedemptionIn, Body()], idempotency_key: api.IdempotencyKey
) -> Response[VoucherOut]:
    outcome = redemptions.redeem_once(_tourist(), body, idempotency_key)
    return Response(201 if outcome.created else 200, api.JSON, outcome.value)


@app.get(
    "/v1/me/vouchers",
    tags=["spending"],
    summary="My vouchers",
    description="Newest first: status (issued, consumed, expired, refunded), expiry, and links "
    "to the QR as PNG or SVG to show at the till.",
    responses=responses(raises=[CURSOR]),
)
@api.allow("tourist")
def my_vouchers(limit: api.PageLimit = 20, cursor: Cursor = None) -> VoucherList:
    return vouchers.list_mine(_tourist(), limit, cursor)


@app.get(
    "/v1/me/vouchers/<voucher_file>",
    tags=["spending"],
    summary="A voucher, or its QR",
    description="`<voucher id>`: the voucher as it is now (JSON, like an item of `GET "
    "/v1/me/vouchers`: read it again to learn that the till consumed it); `<voucher id>.png` or "
    "`.svg`: its QR to show at the till. Another tourist's voucher is 404.",
    responses=responses(200, "The voucher (JSON) or its QR (image).",
                        content={api.JSON: {"model": VoucherOut}, "image/png": {}, "image/svg+xml": {}},
                        raises=[vouchers.VoucherNotFound]),
)
@api.allow("tourist")
def my_voucher(voucher_file: api.PathId):  # JSON or a binary body: no one response model to validate
    if "." not in voucher_file:
        return Response(200, api.JSON, vouchers.mine(_tourist(), voucher_file))
    media_type, content = vouchers.image(_tourist(), voucher_file)
    return Response(200, media_type, content, headers={"Cache-Control": "private, max-age=300"})


lambda_handler = api.lambda_handler(app)
