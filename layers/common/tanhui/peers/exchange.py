"""A peer platform asks which behaviours were already counted (`check`) and registers its own
(`register`), by the network's keyed hashes (`claims.peers`), up to 1,000 keys a call.

- Reads: BatchGetItem, 100 keys a request (DynamoDB's limit), unprocessed keys asked again.
- Register: the keys counted nowhere are put as the caller's in write plans of up to 100 items
  (`PeerKey`, condition attribute_not_exists): whoever writes a key first owns it, our own credits
  included (they put ours in the credit's own plan). A key another writer took between the read
  and the plan fails its condition; its ALL_OLD item says whose it is, and the plan is sent again
  without it. A register sent twice is safe: the second finds the keys `you`.
- Every call counts its keys against the peer's rate (a counter per peer per minute, 429
  `peer_rate_limited` past `per_minute`) before any key is read, and leaves one `PeerCall` item
  (the audit: operation, keys, found, registered), never the keys themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import UpdateError

from tanhui import errors
from tanhui.models.base import iso_ms, sortable_id
from tanhui.models.peers import OURS, Peer, PeerCall, PeerKey, PeerRate, calls_pk
from tanhui.models.writes import MAX_ITEMS, Cancelled, WritePlan, retrying
from tanhui.peers.schemas import CheckOut, Counted, RegisterOut

BATCH_GET = 100  # DynamoDB's limit of keys in one BatchGetItem
RATE_KEEP = timedelta(days=1)  # a minute's counter expires (TTL) a day after it


class PeerRateLimited(errors.TooManyRequests):
    retry_after = 60  # at most: the next minute's counter starts empty
    code = "peer_rate_limited"
    message = "This peer has asked about more keys this minute than its limit; try again next minute."


def _counted(owner: str, peer_id: str) -> Counted:
    if owner == OURS:
        return "here"
    return "you" if owner == peer_id else "elsewhere"


def owners(digests: Sequence[str]) -> dict[str, str]:
    """The owner of each key that exists, 100 keys a BatchGetItem."""
    found: dict[str, str] = {}
    for start in range(0, len(digests), BATCH_GET):
        keys = [PeerKey.key(d) for d in digests[start:start + BATCH_GET]]
        for item in PeerKey.batch_get(keys, attributes_to_get=["pk", "owner"]):
            found[item.pk.removeprefix("PEERKEY#")] = str(item.owner)
    return found


def count_rate(peer: Peer, keys: int, at: datetime) -> None:
    """Adds `keys` to the peer's counter of this minute, unless that passes its `per_minute`."""
    room = int(peer.per_minute) - keys
    if room < 0:
        raise PeerRateLimited(f"One call may name at most {int(peer.per_minute)} keys for this peer.",
                              retry_after=0)  # no later minute takes it: no Retry-After
    rate = PeerRate(*PeerRate.key(peer.peer_id, at.strftime("%Y%m%d%H%M")))
    try:
        rate.update(
            actions=[PeerRate.keys.add(keys), PeerRate.expires_at.set(int((at + RATE_KEEP).timestamp()))],
            condition=PeerRate.keys.does_not_exist() | (PeerRate.keys <= room),
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise PeerRateLimited(retry_after=60 - at.second) from exc
        raise


def _audit(peer: Peer, operation: str, at: datetime, keys: int, found: int, registered: int = 0) -> None:
    call_id = sortable_id(at)
    at_iso = iso_ms(at)
    PeerCall(calls_pk(peer.peer_id), f"{at_iso}#{call_id}", call_id=call_id, peer_id=peer.peer_id,
             operation=operation, at=at_iso, keys=keys, found=found, registered=registered).save(
        condition=PeerCall.pk.does_not_exist())


def check(peer: Peer, digests: Sequence[str], *, at: datetime | None = None) -> CheckOut:
    at = at or datetime.now(UTC)
    count_rate(peer, len(digests), at)
    found = owners(digests)
    _audit(peer, "check", at, len(digests), len(found))
    return CheckOut(keys=len(digests), counted={d: _counted(o, peer.peer_id) for d, o in found.items()})


def _put_theirs(peer: Peer, digests: list[str], at_iso: str, found: dict[str, str]) -> list[str]:
    """Puts `digests` as the peer's, 100 a plan; a key taken meanwhile goes to `found`. Returns
    the keys now the peer's."""
    mine: list[str] = []
    for start in range(0, len(digests), MAX_ITEMS):
        todo = digests[start:start + MAX_ITEMS]
        while todo:
            plan = WritePlan("peer_register")
            for d in todo:
                plan.put(d, PeerKey(*PeerKey.key(d), owner=peer.peer_id, at=at_iso),
                         condition=PeerKey.pk.does_not_exist(), old_on_failure=True)
            try:
                retrying(plan.send, operation="peer_register")
            except Cancelled as cancelled:
                if not cancelled.failed:
                    raise
                for d in cancelled.failed:
                    found[d] = _owner(cancelled.old(d)) or peer.peer_id
                todo = [d for d in todo if d not in cancelled.failed]
                continue
            mine += todo
            todo = []
    return mine


def _owner(raw: dict[str, Any] | None) -> str | None:
    return ((raw or {}).get("owner") or {}).get("S")


def register(peer: Peer, digests: Sequence[str], *, at: datetime | None = None) -> RegisterOut:
    at = at or datetime.now(UTC)
    count_rate(peer, len(digests), at)
    found = owners(digests)
    mine = _put_theirs(peer, [d for d in digests if d not in found], iso_ms(at), found)
    already = {d: o for d, o in found.items() if not (o == peer.peer_id and d in mine)}
    _audit(peer, "register", at, len(digests), len(already), len(mine))
    return RegisterOut(keys=len(digests), registered=mine,
                       counted={d: _counted(o, peer.peer_id) for d, o in already.items()})
