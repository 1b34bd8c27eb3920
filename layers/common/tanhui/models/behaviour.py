"""The behaviour record: one item per credited behaviour, stored at its de-duplication key.

pk=<claims.keys.*> (e.g. BEHAVIOUR#night#<user>#<date>), sk=BEHAVIOUR. It is at once
  - the de-duplication guard (put with attribute_not_exists in the claim transaction),
  - the user's ledger entry (gsi1pk=USER#<user>#LEDGER, gsi1sk=<created_at>#<claim_id>),
  - the evidence for verification (code id or file + row, factor version used).
A revoked single-use code is a tombstone at the same key (status="revoked", no user), so the
claim's own put fails on it inside the one write request.
Spend, refund and adjustment entries (redemptions, expired vouchers) use the same model.
"""

from __future__ import annotations

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute

from tanhui.models.base import Gsi1, TanhuiModel

BEHAVIOUR_SK = "BEHAVIOUR"
STATUS_CREDITED = "credited"
STATUS_REVOKED = "revoked"


def ledger_pk(user_id: str) -> str:
    return f"USER#{user_id}#LEDGER"


class BehaviourRecord(TanhuiModel):
    status = UnicodeAttribute(default=STATUS_CREDITED)  # credited | revoked
    kind = UnicodeAttribute(default="earn")  # earn | spend | refund | adjust
    claim_id = UnicodeAttribute(null=True)
    user_id = UnicodeAttribute(null=True)
    behaviour = UnicodeAttribute(null=True)
    channel = UnicodeAttribute(null=True)  # scan | import
    partner_id = UnicodeAttribute(null=True)
    partner_name = UnicodeAttribute(null=True)
    asset_id = UnicodeAttribute(null=True)
    asset_name = UnicodeAttribute(null=True)
    evidence: MapAttribute = MapAttribute(null=True)  # {code_id} | {file, row}
    factor_version = NumberAttribute(null=True)
    coins = NumberAttribute(default=0)
    gco2e = NumberAttribute(default=0)
    occurred_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    revoked_by = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)

    ledger = Gsi1()

    @staticmethod
    def key(behaviour_key: str) -> tuple[str, str]:
        return behaviour_key, BEHAVIOUR_SK
