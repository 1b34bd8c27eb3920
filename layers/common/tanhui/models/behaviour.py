"""The behaviour record: one item per credited behaviour, stored at its de-duplication key.

pk=<claims.keys.*> (e.g. BEHAVIOUR#night#<user>#<date>), sk=BEHAVIOUR. It is at once
  - the de-duplication guard (put with attribute_not_exists in the claim transaction),
  - the user's ledger entry (gsi1pk=USER#<user>#LEDGER, gsi1sk=<created_at>#<claim_id>),
  - the evidence for verification (code id or file + row, factor version used).
A revoked single-use code is a tombstone at the same key (status="revoked", no user), so the
claim's own put fails on it inside the one write request.
Spend, refund and adjustment entries (redemptions, expired vouchers) use the same model.

**Tamper evidence.** Every record carries `content_hash`, the SHA-256 (lower-case hex) of its
canonical content, set by `seal()` where the record is built (scan, file row, wallet movement,
tombstone). The canonical content is the UTF-8 bytes of this JSON object:

    {"asset_id", "behaviour", "channel", "claim_id", "coins", "created_at", "evidence",
     "factor_version", "gco2e", "key", "kind", "occurred_at", "partner_id", "status", "user_id"}

`key` is the record's pk (its de-duplication key); an absent value is `null`; `evidence` is the
map as stored. A pseudonymised record (below) adds `"erased_from"`; no other record has the
field. Written with sorted keys at every level, no whitespace (`,` and `:` separators),
non-ASCII characters as themselves (not `\\u` escapes), and a number with no fractional part as
an integer (`3`, not `3.0`: DynamoDB gives numbers back without trailing zeros). In Python:
`json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()`.

**The recorded index** (gsi3, sparse): an earn record that credits (`seal()` on kind=earn,
status=credited) gets gsi3pk=`RECORDED#<UTC date of created_at>#<shard 00-15>` (shard = the
first byte of SHA-256(pk) mod 16, so one day's claims spread over 16 index partitions) and
gsi3sk=`<created_at>#<claim_id>`. Exports read a day as the 16 shards' queries merged.

**Pseudonymised records** (注销: `pseudonymised`). When a person closes their account, each of
their records stays for carbon accounting without them: `user_id` and the ledger index go, and
`erased_from` names the `content_hash` the record had, so an export made before still verifies
(`exports.checks`: the record's carbon fields unchanged, its new hash sealed, its old one the
export's). A record whose key names the person (their user id, card, account or plate) moves to
`BEHAVIOUR#erased#<old content_hash>`: first it is marked `erased_to` (the new key) where it is,
then the new record is put and the old deleted in one write. The evidence loses the card, plate or
account a file row named the person by. The stream's totals ignore all three changes
(`reductions.deltas`): the carbon counted stays counted once.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from tanhui.models.base import Gsi1, TanhuiModel, plain

BEHAVIOUR_SK = "BEHAVIOUR"
STATUS_CREDITED = "credited"
STATUS_REVOKED = "revoked"
RECORDED_SHARDS = 16
ERASED_PREFIX = "BEHAVIOUR#erased#"
# what a file row's evidence names a person by (a transit or sorting card, a car plate, a utility
# account): gone from a pseudonymised record
PERSONAL_EVIDENCE = ("card", "plate", "account")
# keys that hold nothing about the person: the printed serial, a receipt line, a tree, a movement's
# own reference (a redemption serial, a donation, closing, buyback offer or retirement id); any
# other key moves when erased
IMPERSONAL_KEYS = ("BEHAVIOUR#code#", "BEHAVIOUR#sale#", "BEHAVIOUR#plant#", "BEHAVIOUR#spend#",
                   "BEHAVIOUR#refund#", "BEHAVIOUR#forfeit#", "BEHAVIOUR#buyback#",
                   "BEHAVIOUR#offset#", ERASED_PREFIX)
# the fields `content_hash` covers (docs/operators.md, "Exports and their verification"); `key` is the pk
HASHED_FIELDS = (
    "key", "claim_id", "user_id", "behaviour", "channel", "partner_id", "asset_id", "evidence",
    "factor_version", "coins", "gco2e", "occurred_at", "created_at", "kind", "status",
)


def ledger_pk(user_id: str) -> str:
    return f"USER#{user_id}#LEDGER"


def recorded_shard(key: str) -> int:
    """The gsi3 shard of a record: stable for its key, 0-15."""
    return hashlib.sha256(key.encode()).digest()[0] % RECORDED_SHARDS


def recorded_pk(day: str, shard: int) -> str:
    """gsi3pk of the earn records created on UTC `day` (YYYY-MM-DD) in `shard`."""
    return f"RECORDED#{day}#{shard:02d}"


def impersonal(evidence: dict[str, Any]) -> dict[str, Any]:
    """A record's evidence without the numbers that name a person (`PERSONAL_EVIDENCE`)."""
    return {k: v for k, v in evidence.items() if k not in PERSONAL_EVIDENCE}


def _canonical_value(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return int(value) if value == int(value) else float(value)
    if isinstance(value, dict):
        return {str(k): _canonical_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical_value(v) for v in value]
    if hasattr(value, "as_dict"):
        return _canonical_value(value.as_dict())
    return value


def canonical_json(content: dict[str, Any]) -> bytes:
    """The canonical form of `content` (see the module docstring)."""
    return json.dumps(
        _canonical_value(content), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


class Gsi3(GlobalSecondaryIndex):
    class Meta:
        index_name = "gsi3"
        projection = AllProjection()

    gsi3pk = UnicodeAttribute(hash_key=True)
    gsi3sk = UnicodeAttribute(range_key=True)


class BehaviourRecord(TanhuiModel):
    status = UnicodeAttribute(default=STATUS_CREDITED)  # credited | revoked
    kind = UnicodeAttribute(default="earn")  # earn | spend | refund | adjust | expire | buyback | offset
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
    content_hash = UnicodeAttribute(null=True)  # SHA-256 hex of `canonical_content()`
    gsi3pk = UnicodeAttribute(null=True)  # RECORDED#<day>#<shard>: credited earn records only
    gsi3sk = UnicodeAttribute(null=True)
    erased_from = UnicodeAttribute(null=True)  # pseudonymised: the content_hash it had before
    erased_to = UnicodeAttribute(null=True)  # being moved to this key (see the module docstring)

    ledger = Gsi1()
    recorded = Gsi3()

    @staticmethod
    def key(behaviour_key: str) -> tuple[str, str]:
        return behaviour_key, BEHAVIOUR_SK

    def canonical_content(self) -> bytes:
        values = {name: getattr(self, name) for name in HASHED_FIELDS if name != "key"}
        values["evidence"] = plain(self.evidence) if self.evidence is not None else None
        if self.erased_from is not None:
            values["erased_from"] = self.erased_from
        return canonical_json({"key": self.pk, **values})

    def content_digest(self) -> str:
        """SHA-256 hex of the record's canonical content, as it is now."""
        return hashlib.sha256(self.canonical_content()).hexdigest()

    def seal(self) -> BehaviourRecord:
        """Sets `content_hash` and, on a credited earn record, its place in the recorded index."""
        self.content_hash = self.content_digest()
        if self.kind == "earn" and self.status == STATUS_CREDITED:
            self.gsi3pk = recorded_pk(self.created_at[:10], recorded_shard(self.pk))
            self.gsi3sk = f"{self.created_at}#{self.claim_id}"
        return self

    def keeps_key(self, user_id: str) -> bool:
        """Whether the record can be pseudonymised where it is: its key names nothing of the person."""
        return self.pk.startswith(IMPERSONAL_KEYS) and user_id not in self.pk

    def pseudonymised(self, *, move: bool) -> BehaviourRecord:
        """The record without its person: no user id, off their ledger, no card, plate or account
        in its evidence, `erased_from` its hash, at `BEHAVIOUR#erased#<that hash>` if `move`;
        sealed. Carbon fields, times and the rest of the evidence stay."""
        before = self.content_hash or self.content_digest()
        values = {k: v for k, v in self.attribute_values.items()
                  if k not in ("pk", "sk", "user_id", "gsi1pk", "gsi1sk", "gsi3pk", "gsi3sk",
                               "content_hash", "erased_to")}
        if self.evidence is not None:
            values["evidence"] = impersonal(plain(self.evidence))
        pk = f"{ERASED_PREFIX}{before}" if move else self.pk
        return BehaviourRecord(pk, BEHAVIOUR_SK, **{**values, "erased_from": before}).seal()
