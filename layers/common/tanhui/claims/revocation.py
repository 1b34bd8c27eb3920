"""Revoking one printed (single-use) code: a tombstone at the code's de-duplication key, so the
claim's own put fails on it inside the one write request (410 `code_revoked`). The key space is
the claims' (`claims.keys`); which codes a partner may revoke is the codes area's (`own_code`).
Static and rotating codes are revoked with their asset (`codes.assets.set_status`)."""

from __future__ import annotations

from tanhui import errors
from tanhui.claims.keys import single_use_code
from tanhui.codes.issuing import own_code
from tanhui.codes.schemas import RevokedOut
from tanhui.models.base import put_once, utc_now
from tanhui.models.behaviour import STATUS_REVOKED, BehaviourRecord
from tanhui.observability import logger


class NotSingleUse(errors.Unprocessable):
    code = "revoke_asset_instead"
    message = "Static and rotating codes are revoked with their asset (POST /v1/partner/assets/{id}/revoke)."


def revoke_code(partner_id: str, code_id: str, by_user: str) -> RevokedOut:
    """A tombstone at the code's de-duplication key; a code already claimed keeps its credit (409)."""
    tok, _ = own_code(partner_id, code_id)
    if not tok.kind.single_use or tok.serial is None:
        raise NotSingleUse()
    key = BehaviourRecord.key(single_use_code(tok.serial))
    tombstone = BehaviourRecord(
        *key,
        status=STATUS_REVOKED,
        partner_id=partner_id,
        asset_id=tok.asset_id,
        evidence={"code_id": tok.text},
        revoked_by=by_user,
        created_at=utc_now(),
    ).seal()
    if not put_once(tombstone) and BehaviourRecord.get(*key).status != STATUS_REVOKED:
        raise errors.Conflict("The code was already claimed; its credit stands.", code="already_claimed")
    logger.info("code revoked", extra={"partner_id": partner_id, "serial": tok.serial})
    return RevokedOut(id=tok.text, status="revoked")
