"""The network's de-duplication keys (滤重): which behaviours take part, their canonical natural
keys, and the keyed hash every platform of the network computes alike."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from tanhui.claims import keys, peers
from tanhui.models.peers import peer_hash


@pytest.mark.parametrize(("record_pk", "natural"), [
    (keys.transit_month("YCT0012345678", "2026-11"), "v1|transit|YCT0012345678|2026-11"),
    (keys.utility_period("electricity", "4400123", "2026-11"), "v1|utility|electricity|4400123|2026-11"),
    (keys.car_month("粤B12345", "2026-11"), "v1|car|粤B12345|2026-11"),
    (keys.waste_drop("W-9", "2026-11-03T01:02:03.000Z", "kitchen"),
     "v1|waste|W-9|2026-11-03T01:02:03.000Z|kitchen"),
    (keys.single_use_code("TK00000042"), "v1|code|TK00000042"),
])
def test_given_a_behaviour_that_takes_part_then_its_natural_key_is_platform_independent(record_pk, natural):
    assert peers.natural_key(record_pk) == natural


@pytest.mark.parametrize("record_pk", [
    keys.hotel_night("user-1", "2026-11-03"),  # our user id
    keys.vehicle_ride("P1", "A1", "user-1", 123),
    keys.plant_adoption("P1", "T-1", 2026),  # our partner id
    keys.product_sale("P1", "R-1", "1"),
    "BEHAVIOUR#erased#abc",  # a closed account's pseudonymised record
    "BEHAVIOUR#transit#card",  # malformed: a field missing
    "BEHAVIOUR#code#a#b",  # malformed: a field too many
    "USER#x",
])
def test_given_a_behaviour_that_takes_no_part_then_no_key_and_no_secret_read(record_pk, monkeypatch):
    monkeypatch.setattr(peers, "network_key", lambda: pytest.fail("the network key was read"))
    assert peers.natural_key(record_pk) is None
    assert peers.digest_of(record_pk) is None


def test_given_the_network_key_then_the_hash_is_hmac_sha256_hex():
    key, natural = b"k" * 32, "v1|code|TK00000042"
    assert peer_hash(key, natural) == hmac.new(key, natural.encode(), hashlib.sha256).hexdigest()
    assert len(peer_hash(key, natural)) == 64 and peer_hash(b"j" * 32, natural) != peer_hash(key, natural)
