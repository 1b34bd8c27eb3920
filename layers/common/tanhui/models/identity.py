"""Users: profile, consent records, and which partner a staff login belongs to."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute

from tanhui.models.base import TanhuiModel


def user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


class UserProfile(TanhuiModel):
    """pk=USER#<sub>, sk=PROFILE"""

    user_id = UnicodeAttribute()
    phone = UnicodeAttribute()
    display_name = UnicodeAttribute()
    role = UnicodeAttribute()  # tourist | partner | admin
    partner_id = UnicodeAttribute(null=True)
    consent_version = UnicodeAttribute(null=True)
    consent_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()

    @staticmethod
    def key(user_id: str) -> tuple[str, str]:
        return user_pk(user_id), "PROFILE"


class ConsentRecord(TanhuiModel):
    """pk=USER#<sub>, sk=CONSENT#<accepted_at>#<version> — append-only: who agreed to what, when."""

    user_id = UnicodeAttribute()
    version = UnicodeAttribute()
    accepted = BooleanAttribute()
    accepted_at = UnicodeAttribute()
    channel = UnicodeAttribute()  # register | ...

    @staticmethod
    def key(user_id: str, accepted_at: str, version: str) -> tuple[str, str]:
        return user_pk(user_id), f"CONSENT#{accepted_at}#{version}"
