"""The hash chain of completed exports: each manifest names the SHA-256 of the one before.

One item (`models.exports.ChainHead`) holds the last completed export. An export reads it, writes
its manifest naming that predecessor, then moves the head on with a conditional update that holds
only if the head is still the one it read (`attribute_not_exists(pk)` for the first export). Of two
exports that read the same head, one moves it; the other's condition fails and it builds its
manifest again on the new head, so no two manifests ever claim the same predecessor.
"""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.exceptions import UpdateError

from tanhui.models.base import utc_now
from tanhui.models.exports import ChainHead


@dataclass(frozen=True, slots=True)
class Link:
    """The head an export read: what its manifest names as previous (None for the first)."""

    export_id: str | None
    manifest_sha256: str | None
    sequence: int  # the head's, 0 before the first export


def head() -> Link:
    try:
        item = ChainHead.get(*ChainHead.key(), consistent_read=True)
    except ChainHead.DoesNotExist:
        return Link(None, None, 0)
    return Link(item.export_id, item.manifest_sha256, int(item.sequence))


def advance(seen: Link, export_id: str, manifest_sha256: str) -> bool:
    """Moves the head from `seen` to this export; False if another export moved it first."""
    item = ChainHead(*ChainHead.key())
    condition = (
        ChainHead.pk.does_not_exist()
        if seen.manifest_sha256 is None
        else ChainHead.manifest_sha256 == seen.manifest_sha256
    )
    try:
        item.update(
            actions=[
                ChainHead.export_id.set(export_id),
                ChainHead.manifest_sha256.set(manifest_sha256),
                ChainHead.sequence.set(seen.sequence + 1),
                ChainHead.updated_at.set(utc_now()),
            ],
            condition=condition,
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True
