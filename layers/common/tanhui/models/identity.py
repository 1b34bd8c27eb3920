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
    # the last withdrawal (撤回授权); it stays when consent is given again
    consent_withdrawn_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()

    @staticmethod
    def key(user_id: str) -> tuple[str, str]:
        return user_pk(user_id), "PROFILE"


class ConsentRecord(TanhuiModel):
    """pk=USER#<sub>, sk=CONSENT#<at>#<version> — append-only: who agreed to what, when, and when
    they withdrew it. A consent: accepted, `at` = accepted_at. A withdrawal: not accepted, `at` =
    withdrawn_at, with the version withdrawn and when it had been accepted."""

    user_id = UnicodeAttribute()
    version = UnicodeAttribute()
    accepted = BooleanAttribute()
    accepted_at = UnicodeAttribute()
    withdrawn_at = UnicodeAttribute(null=True)
    channel = UnicodeAttribute()  # register | api | ...

    @staticmethod
    def key(user_id: str, at: str, version: str) -> tuple[str, str]:
        return user_pk(user_id), f"CONSENT#{at}#{version}"
