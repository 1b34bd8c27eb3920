"""Partners (合作方) and their staff logins."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, MapAttribute, NumberAttribute, UnicodeAttribute

from tanhui.models.base import Gsi1, TanhuiModel

STAFF_PREFIX = "STAFF#"


def partner_pk(partner_id: str) -> str:
    return f"PARTNER#{partner_id}"


class Partner(TanhuiModel):
    """pk=PARTNER#<id>, sk=PROFILE; listed through gsi1 (gsi1pk=PARTNERS, gsi1sk=<created>#<id>)."""

    partner_id = UnicodeAttribute()
    name = UnicodeAttribute()
    role = UnicodeAttribute()
    contact: MapAttribute = MapAttribute(default=dict)
    status = UnicodeAttribute(default="active")
    # issuance supervision (发放监管): coins its files may issue a month; None = no quota set
    monthly_coin_quota = NumberAttribute(null=True)
    # low-carbon alliance (低碳联盟): set by the operator; merchants may make offers without it
    alliance = BooleanAttribute(null=True)
    created_at = UnicodeAttribute()
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    by_listing = Gsi1()

    @staticmethod
    def key(partner_id: str) -> tuple[str, str]:
        return partner_pk(partner_id), "PROFILE"


class PartnerStaff(TanhuiModel):
    """pk=PARTNER#<id>, sk=STAFF#<sub>: the partner's logins (a login belongs to one partner)."""

    partner_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    phone = UnicodeAttribute()
    display_name = UnicodeAttribute()
    created_at = UnicodeAttribute()

    @staticmethod
    def key(partner_id: str, user_id: str) -> tuple[str, str]:
        return partner_pk(partner_id), f"{STAFF_PREFIX}{user_id}"
