"""Offers (优惠) of alliance merchants, the vouchers (兑换券) redemptions hand out, and what
finds them again: a tourist's count per offer and the vouchers' expiry buckets.

    Offer            pk=PARTNER#<partner>, sk=OFFER#<offer>          the stock counter lives here
                     gsi1pk=OFFERS, gsi1sk=<created_at>#<offer_id>    the tourists' listing
    RedemptionCount  pk=USER#<user>, sk=REDEEMED#<offer_id>           per_user_limit
    Voucher          pk=VOUCHER#<serial>, sk=VOUCHER
                     gsi1pk=USER#<user>#VOUCHERS, gsi1sk=<created_at>#<serial>
    VoucherExpiry    pk=VOUCHER_EXPIRY#<YYYY-MM-DDTHH>#<shard>, sk=<serial>   refund's worklist

`offer_id` is the partner id and the offer's own 6 hex characters (12 in all), so a voucher's
token (partner id + 3-byte "asset") names its offer and merchant without a read.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from tanhui.models.base import Gsi1, TanhuiModel
from tanhui.models.identity import user_pk
from tanhui.models.partner import partner_pk

OFFER_LISTING = "OFFERS"
EXPIRY_SHARDS = 8


def offer_key(offer_id: str) -> tuple[str, str]:
    return partner_pk(offer_id[:6]), f"OFFER#{offer_id[6:]}"


class Offer(TanhuiModel):
    offer_id = UnicodeAttribute()
    partner_id = UnicodeAttribute()
    partner_name = UnicodeAttribute()
    title = UnicodeAttribute()
    description = UnicodeAttribute()
    coins_cost = NumberAttribute()
    stock = NumberAttribute()  # units left
    redeemed = NumberAttribute(default=0)
    consumed = NumberAttribute(default=0)
    refunded = NumberAttribute(default=0)
    per_user_limit = NumberAttribute(null=True)
    valid_from = UnicodeAttribute()
    valid_until = UnicodeAttribute()
    voucher_valid_days = NumberAttribute()
    status = UnicodeAttribute(default="active")  # active | withdrawn
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    listing = Gsi1()

    @staticmethod
    def key(offer_id: str) -> tuple[str, str]:
        return offer_key(offer_id)


class RedemptionCount(TanhuiModel):
    redeemed = NumberAttribute(default=0)

    @staticmethod
    def key(user_id: str, offer_id: str) -> tuple[str, str]:
        return user_pk(user_id), f"REDEEMED#{offer_id}"


def vouchers_pk(user_id: str) -> str:
    return f"USER#{user_id}#VOUCHERS"


class Voucher(TanhuiModel):
    voucher_id = UnicodeAttribute()  # the token's serial
    code = UnicodeAttribute()  # the signed token the QR shows
    offer_id = UnicodeAttribute()
    partner_id = UnicodeAttribute()
    partner_name = UnicodeAttribute()
    title = UnicodeAttribute()
    coins = NumberAttribute()
    user_id = UnicodeAttribute(null=True)  # none once its holder closed their account
    status = UnicodeAttribute(default="issued")  # issued | consumed | refunded | cancelled
    valid_until = UnicodeAttribute()
    created_at = UnicodeAttribute()
    consumed_at = UnicodeAttribute(null=True)
    consumed_by = UnicodeAttribute(null=True)
    refunded_at = UnicodeAttribute(null=True)
    cancelled_at = UnicodeAttribute(null=True)  # its holder closed their account while it was open
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_user = Gsi1()

    @staticmethod
    def key(serial: str) -> tuple[str, str]:
        return f"VOUCHER#{serial}", "VOUCHER"


def expiry_pk(hour: str, shard: int) -> str:
    return f"VOUCHER_EXPIRY#{hour}#{shard}"


class VoucherExpiry(TanhuiModel):
    """One per unconsumed voucher, in the bucket of the hour it expires (sharded by serial, so
    a flash sale's vouchers spread over `EXPIRY_SHARDS` partitions); deleted when it is refunded."""

    voucher_id = UnicodeAttribute()
    valid_until = UnicodeAttribute()

    @staticmethod
    def key(valid_until: str, serial: str) -> tuple[str, str]:
        return expiry_pk(valid_until[:13], int(serial[:2], 16) % EXPIRY_SHARDS), serial
