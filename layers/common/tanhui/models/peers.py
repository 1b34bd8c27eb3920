"""De-duplication with peer platforms (滤重): the keys of behaviours counted somewhere in the
network, the peers, their rate counters and the audit of their calls.

- PeerKey     pk=PEERKEY#<hash>, sk=PEERKEY: `owner` (`tanhui`, or the peer id that registered it
              first) and `at`. `hash` is `peer_hash(network key, canonical natural key)`:
              HMAC-SHA256 with the network's shared secret, hex; no natural key (a card, a plate) is
              ever stored or sent in clear. Our own credit of a behaviour that takes part puts ours
              in the credit's own write plan (condition: absent, or ours); a peer's register puts
              theirs (condition: absent). Whoever wrote first owns it; nothing moves it.
- Peer        pk=PEERCLIENT#<Cognito app client id>, sk=PEER: which peer a machine credential
              belongs to (`peer_id`, stable across credential rotations), its name, its keys per
              minute and its status (active | suspended); and pk=PEERID#<peer id>, sk=PEER, the
              same fields, put once so that a peer id is onboarded once, listed through gsi1
              (gsi1pk=PEERS, gsi1sk=<peer id>). A change (status, rate) updates both in one plan.
- PeerRate    pk=PEERRATE#<peer id>, sk=<YYYYMMDDHHMM> (UTC): the keys a peer asked about in that
              minute, a conditional ADD (at most `per_minute`); expires after a day (`expires_at`).
- PeerCall    pk=PEERCALLS#<peer id>, sk=<at>#<call id>: one call (operation, keys, found,
              registered), readable by that peer and by the operator (and the regulator) only.
"""

from __future__ import annotations

import hashlib
import hmac

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from tanhui.models.base import Gsi1, TanhuiModel

OURS = "tanhui"  # the owner of a key our own credit registered
KEY_SK, PEER_SK = "PEERKEY", "PEER"
LISTING = "PEERS"
STATUS_ACTIVE, STATUS_SUSPENDED = "active", "suspended"
HASH_LENGTH = 64  # hex characters of an HMAC-SHA256


def peer_hash(network_key: bytes, natural_key: str) -> str:
    """The key a network shares for one behaviour: HMAC-SHA256(network key, canonical natural
    key), lower-case hex."""
    return hmac.new(network_key, natural_key.encode(), hashlib.sha256).hexdigest()


def key_pk(digest: str) -> str:
    return f"PEERKEY#{digest}"


class PeerKey(TanhuiModel):
    owner = UnicodeAttribute()  # OURS or a peer id
    at = UnicodeAttribute()

    @staticmethod
    def key(digest: str) -> tuple[str, str]:
        return key_pk(digest), KEY_SK


class Peer(TanhuiModel):
    peer_id = UnicodeAttribute()
    client_id = UnicodeAttribute()
    name = UnicodeAttribute()
    per_minute = NumberAttribute()  # keys a minute (a batch of 1,000 counts 1,000)
    status = UnicodeAttribute(default=STATUS_ACTIVE)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)  # LISTING on the PEERID item only
    gsi1sk = UnicodeAttribute(null=True)
    by_listing = Gsi1()

    @staticmethod
    def key(client_id: str) -> tuple[str, str]:
        return f"PEERCLIENT#{client_id}", PEER_SK

    @staticmethod
    def id_key(peer_id: str) -> tuple[str, str]:
        return f"PEERID#{peer_id}", PEER_SK


class PeerRate(TanhuiModel):
    keys = NumberAttribute(default=0)  # expires_at (the table's TTL): a day after the minute

    @staticmethod
    def key(peer_id: str, minute: str) -> tuple[str, str]:
        return f"PEERRATE#{peer_id}", minute


def calls_pk(peer_id: str) -> str:
    return f"PEERCALLS#{peer_id}"


class PeerCall(TanhuiModel):
    call_id = UnicodeAttribute()
    peer_id = UnicodeAttribute()
    operation = UnicodeAttribute()  # check | register
    at = UnicodeAttribute()
    keys = NumberAttribute()  # how many keys the call named
    found = NumberAttribute()  # how many were already counted (here or by another peer)
    registered = NumberAttribute(default=0)  # register: how many became the peer's
