"""Public-good projects (公益项目), their sharded totals, donor markers and donations.

- Project   pk=PROJECT#<id>, sk=PROJECT; listed through gsi1 while open
            (gsi1pk=PROJECTS#open, gsi1sk=<created_at>#<id>); closing moves it to PROJECTS#closed.
- Shard     pk=PROJECT#<id>, sk=SHARD#<n> (n < SHARDS): coins, donations and new donors counted
            by the donations that picked it at random; the project's totals are their sum.
- Donor     pk=PROJECT#<id>, sk=DONOR#<user>: put once (attribute_not_exists) by a user's first
            donation, in the transaction that adds 1 to a shard's `donors`.
- Donation  pk=USER#<user>, sk=DONATION#<donation id>: the user's own record (ids sort by time).
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from tanhui.models.base import Gsi1, TanhuiModel
from tanhui.models.identity import user_pk

SHARDS = 10  # write capacity of one project: ~10 x 1,000 donations a second
PROJECT_SK = "PROJECT"
SHARD_PREFIX = "SHARD#"
DONATION_PREFIX = "DONATION#"
STATUS_OPEN, STATUS_CLOSED = "open", "closed"


def project_pk(project_id: str) -> str:
    return f"PROJECT#{project_id}"


def listing_pk(status: str) -> str:
    return f"PROJECTS#{status}"


class Project(TanhuiModel):
    project_id = UnicodeAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute()
    goal_coins = NumberAttribute()
    partner_id = UnicodeAttribute(null=True)
    status = UnicodeAttribute(default=STATUS_OPEN)  # open | closed
    created_by = UnicodeAttribute()
    created_at = UnicodeAttribute()
    closed_at = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()

    by_listing = Gsi1()

    @staticmethod
    def key(project_id: str) -> tuple[str, str]:
        return project_pk(project_id), PROJECT_SK


class ProjectShard(TanhuiModel):
    coins = NumberAttribute(default=0)
    donations = NumberAttribute(default=0)
    donors = NumberAttribute(default=0)
    updated_at = UnicodeAttribute(null=True)

    @staticmethod
    def key(project_id: str, shard: int) -> tuple[str, str]:
        return project_pk(project_id), f"{SHARD_PREFIX}{shard:02d}"


class ProjectDonor(TanhuiModel):
    user_id = UnicodeAttribute()
    first_donation_id = UnicodeAttribute()
    created_at = UnicodeAttribute()

    @staticmethod
    def key(project_id: str, user_id: str) -> tuple[str, str]:
        return project_pk(project_id), f"DONOR#{user_id}"


class Donation(TanhuiModel):
    donation_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    project_id = UnicodeAttribute()
    project_name = UnicodeAttribute()
    coins = NumberAttribute()
    created_at = UnicodeAttribute()

    @staticmethod
    def key(user_id: str, donation_id: str) -> tuple[str, str]:
        return user_pk(user_id), f"{DONATION_PREFIX}{donation_id}"
