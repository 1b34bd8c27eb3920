"""The content hash's canonical form, the recorded index and the Merkle rule, as docs/operators.md
documents them."""

from __future__ import annotations

import hashlib
import json

import pytest
from tanhui.exports.merkle import Merkle, root
from tanhui.models.behaviour import BehaviourRecord


def _record(**kw) -> BehaviourRecord:
    values = dict(claim_id="01KB", user_id="u-1", behaviour="hotel_low_carbon_night", channel="scan",
                  partner_id="0A1B2C", asset_id="3D4E5F", evidence={"code_id": "丹霞", "row": 3.0},
                  factor_version=1, coins=2, gco2e=1500, occurred_at="2026-11-20T12:00:00.000Z",
                  created_at="2026-11-20T12:00:00.000Z")
    return BehaviourRecord("BEHAVIOUR#night#u-1#2026-11-20", "BEHAVIOUR", **(values | kw))


def test_given_a_record_then_its_hash_is_sha256_of_the_documented_canonical_json():
    record = _record().seal()

    text = ('{"asset_id":"3D4E5F","behaviour":"hotel_low_carbon_night","channel":"scan","claim_id":"01KB",'
            '"coins":2,"created_at":"2026-11-20T12:00:00.000Z","evidence":{"code_id":"丹霞","row":3},'
            '"factor_version":1,"gco2e":1500,"key":"BEHAVIOUR#night#u-1#2026-11-20","kind":"earn",'
            '"occurred_at":"2026-11-20T12:00:00.000Z","partner_id":"0A1B2C","status":"credited","user_id":"u-1"}')
    assert record.content_hash == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert _record(gco2e=1501).seal().content_hash != record.content_hash


def test_given_a_credited_earn_record_then_it_is_in_the_recorded_index_and_others_are_not():
    earn = _record().seal()
    shard = hashlib.sha256(earn.pk.encode()).digest()[0] % 16
    assert (earn.gsi3pk, earn.gsi3sk) == (f"RECORDED#2026-11-20#{shard:02d}", "2026-11-20T12:00:00.000Z#01KB")
    assert _record(status="revoked", user_id=None).seal().gsi3pk is None  # a tombstone
    assert _record(kind="spend").seal().gsi3pk is None


def _levels(hashes: list[str]) -> str:
    level = [hashlib.sha256(b"\0" + bytes.fromhex(h)).digest() for h in hashes]
    while len(level) > 1:
        pairs = [hashlib.sha256(b"\1" + level[i] + level[i + 1]).digest()
                 for i in range(0, len(level) - 1, 2)]
        level = pairs + ([level[-1]] if len(level) % 2 else [])
    return level[0].hex()


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 16, 31, 33])
def test_given_n_leaves_then_the_streamed_root_is_the_level_by_level_root_with_odd_promotion(n):
    hashes = [hashlib.sha256(json.dumps(i).encode()).hexdigest() for i in range(n)]

    assert root(hashes) == _levels(hashes)
    assert Merkle().root() is None
