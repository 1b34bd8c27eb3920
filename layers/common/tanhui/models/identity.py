"""Users: profile, consent records, and which partner a staff login belongs to."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

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
    # closing the account (注销) began: the closing's id, kept until the profile is deleted last
    closing_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()

    @staticmethod
    def key(user_id: str) -> tuple[str, str]:
        return user_pk(user_id), "PROFILE"


def display_names(user_ids: Iterable[str]) -> dict[str, str]:
    """The display names of these users (an operator's, in a history): one BatchGetItem per 100; a
    user without a profile (a login gone) is left out."""
    wanted = sorted({u for u in user_ids if u})
    if not wanted:
        return {}
    return {p.user_id: p.display_name for p in UserProfile.batch_get([UserProfile.key(u) for u in wanted])}


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


class UserItem(TanhuiModel):
    """Any item of a user's partition (pk=USER#<id>), read for its keys: what closing an account
    deletes. (Never query `TanhuiModel` itself: PynamoDB caches a connection on the class it is
    asked on, and its subclasses not yet connected would inherit one that knows no index.)"""


CLOSED_DAYS = 2  # longer than a DynamoDB stream keeps a record (24 hours)


class ClosedAccount(TanhuiModel):
    """pk=CLOSED#<SHA-256 of the user id>, sk=CLOSED: an account closed (注销) in the last two
    days, by a digest that names no one. The stream aggregator checks it before it writes a
    user's stats anew, so a late stream record of theirs puts nothing of them back; TTL deletes it
    once no stream record can still come."""

    @staticmethod
    def key(user_id: str) -> tuple[str, str]:
        return f"CLOSED#{hashlib.sha256(user_id.encode()).hexdigest()}", "CLOSED"
