"""What one stream record changes: its deltas.

A behaviour record contributes (gco2e, coins, count 1) while it is an earn that is credited, and
nothing otherwise (spend, refund, adjust entries; revoked tombstones). A record's deltas are the
contribution of its new image minus that of its old one, for INSERT, MODIFY and REMOVE alike: an
insert of a credited earn is +1 of it, a credited earn that is removed or stops being credited
is −1 of its old image, a change of a credited earn's numbers or fields is −old +new (nothing when
the two contribute the same).

A person's closing their account (注销) changes their records without changing what was saved:
a record pseudonymised where it is (its new image `erased_from`), one marked to move (`erased_to`),
its new copy put and the old one deleted (the old image `erased_to`). Those are no deltas at all, so
the totals stay and nothing is written for the person again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tanhui.claims.keys import LOCAL
from tanhui.models.behaviour import STATUS_CREDITED

_FIELDS = ("user_id", "behaviour", "channel", "partner_id", "asset_id")
# what a delta is made of: the rest of an image (evidence, hashes, index keys) is left as it came
READ = frozenset({"pk", "kind", "status", "gco2e", "coins", "occurred_at", "created_at", *_FIELDS,
                  "erased_from", "erased_to"})
ERASURE = ("erased_from", "erased_to")


@dataclass(frozen=True)
class Delta:
    """One image's contribution with its sign (+1 new image, −1 old image): gco2e and coins are
    signed, count is ±1."""

    event_id: str  # the stream record's eventID
    record_pk: str  # the behaviour record's key (its de-duplication key)
    gco2e: int
    coins: int
    count: int
    day: str  # YYYY-MM-DD, Asia/Shanghai date of occurred_at (else created_at)
    user_id: str | None = None
    behaviour: str | None = None
    channel: str | None = None
    partner_id: str | None = None
    asset_id: str | None = None


def local_day(image: dict[str, Any]) -> str:
    when = image.get("occurred_at") or image.get("created_at")
    at = datetime.fromisoformat(str(when).replace("Z", "+00:00")) if when else datetime.now(UTC)
    return at.astimezone(LOCAL).date().isoformat()


def contributes(image: dict[str, Any] | None) -> bool:
    if image is None:
        return False
    return image.get("kind", "earn") == "earn" and image.get("status") == STATUS_CREDITED


def _contribution(event_id: str, image: dict[str, Any], sign: int) -> Delta:
    fields = {f: str(image[f]) for f in _FIELDS if image.get(f) is not None}
    return Delta(
        event_id=event_id,
        record_pk=str(image["pk"]),
        gco2e=sign * _int(image.get("gco2e")),
        coins=sign * _int(image.get("coins")),
        count=sign,
        day=local_day(image),
        **fields,
    )


def _int(value: Any) -> int:
    return int(Decimal(str(value))) if value is not None else 0


def deltas_of(event_id: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[Delta]:
    """The deltas of one stream record (old image, new image; None where there is none)."""
    if _erasure(old, new):
        return []
    out = []
    if contributes(old):
        out.append(_contribution(event_id, old, -1))  # type: ignore[arg-type]
    if contributes(new):
        out.append(_contribution(event_id, new, +1))  # type: ignore[arg-type]
    if len(out) == 2 and _same(*out):
        return []
    return out


def _erasure(old: dict[str, Any] | None, new: dict[str, Any] | None) -> bool:
    if new is not None:
        return any(new.get(name) for name in ERASURE)
    return old is not None and bool(old.get("erased_to"))


def _same(minus: Delta, plus: Delta) -> bool:
    return (minus.gco2e, minus.coins) == (-plus.gco2e, -plus.coins) and all(
        getattr(minus, f) == getattr(plus, f)
        for f in ("day", *_FIELDS)
    )
