"""Our credits in the network's de-duplication (滤重): which behaviours take part, their
canonical natural keys, and the `PeerKey` item a credit puts in its own write plan.

A behaviour takes part when its identity does not depend on this platform: the same card, meter,
plate or printed serial names it on every platform of the network. Its canonical natural key is
`v1|<kind>|<fields…>`, taken from the de-duplication key the record is stored at
(`claims.keys`), with the fields already normalised there:

    transit   v1|transit|<card>|<YYYY-MM>                 a transit card's month
    utility   v1|utility|<electricity|water|gas>|<account>|<YYYY-MM>
    car       v1|car|<plate>|<YYYY-MM>                    a plate's month off the road
    waste     v1|waste|<card>|<UTC ISO ms>|<category>     a waste card's drop
    code      v1|code|<serial>                            a single-use printed serial

Hotel nights, rides and plant adoptions are keyed by our own user or partner ids and a product
sale by our partner id: they take no part (no item, no request, no secret read).

The network key (HMAC-SHA256's key) is a deployment secret shared by the platforms of the
network (Secrets Manager, `PEER_NETWORK_KEY_SECRET_ID`, JSON `{"network_key": "<at least 32
characters>"}`), read only when a credit takes part, cached per container for 5 minutes.
"""

from __future__ import annotations

import json

from tanhui import cache, errors
from tanhui.aws import client
from tanhui.config import get_settings
from tanhui.models.peers import OURS, PeerKey, peer_hash
from tanhui.models.writes import WritePlan

VERSION = "v1"
TAKES_PART = {"transit": 2, "utility": 3, "car": 2, "waste": 3, "code": 1}  # kind: fields in the key
CACHE_KEY = "peer network key"
CACHE_SECONDS = 300.0
MIN_KEY_CHARS = 32


class NetworkKeyError(RuntimeError):
    """The network key's secret is missing or malformed: an operator error, never a client one."""


class CountedElsewhere(errors.Conflict):
    code = "counted_elsewhere"
    message = "This behaviour was already counted by another platform of the network."


def natural_key(record_pk: str) -> str | None:
    """The canonical natural key of the behaviour a record at `record_pk` is, or None when the
    behaviour takes no part."""
    parts = record_pk.split("#")
    if len(parts) < 3 or parts[0] != "BEHAVIOUR" or TAKES_PART.get(parts[1]) != len(parts) - 2:
        return None
    return "|".join([VERSION, *parts[1:]])


def _load() -> bytes:
    secret_id = get_settings().peer_network_key_secret_id
    if not secret_id:
        raise NetworkKeyError("PEER_NETWORK_KEY_SECRET_ID is not set")
    text = client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
    try:
        key = str(json.loads(text)["network_key"])
    except (ValueError, KeyError, TypeError) as exc:
        raise NetworkKeyError('the network key secret is not JSON {"network_key": "…"}') from exc
    if len(key) < MIN_KEY_CHARS:
        raise NetworkKeyError(f"the network key must be at least {MIN_KEY_CHARS} characters")
    return key.encode()


def network_key() -> bytes:
    key: bytes = cache.cached(CACHE_KEY, _load, max_age=CACHE_SECONDS)
    return key


def digest_of(record_pk: str) -> str | None:
    """The network's key of a record's behaviour (None: takes no part; nothing is read)."""
    natural = natural_key(record_pk)
    return None if natural is None else peer_hash(network_key(), natural)


def add_ours(plan: WritePlan, name: str, record_pk: str, now_iso: str) -> bool:
    """Registers the behaviour at `record_pk` as counted here, in the credit's own plan
    (condition: no key yet, or ours already: a credit again after a revocation or an erasure).
    False, and nothing added, when the behaviour takes no part."""
    digest = digest_of(record_pk)
    if digest is None:
        return False
    plan.update(
        name, PeerKey(*PeerKey.key(digest)), [PeerKey.owner.set(OURS), PeerKey.at.set(PeerKey.at | now_iso)],
        condition=PeerKey.pk.does_not_exist() | (PeerKey.owner == OURS),
    )
    return True
