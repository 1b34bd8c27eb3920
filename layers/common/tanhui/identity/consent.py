"""Consent (用户授权): nothing about a user is collected or credited before they agree.

The consent in force is written on the profile and on the wallet item. A credit is an update of
the wallet conditioned on `attribute_exists(consent_version)` (see `claims.transaction`), so the
claim path enforces consent inside its one write request, with no read and nothing cached to go
stale. Paths that record behaviour without crediting in the same request (partner file rows,
bindings) call `require_consent` first.
"""

from __future__ import annotations

from pynamodb.exceptions import TransactWriteError

from tanhui import errors
from tanhui.identity import cognito
from tanhui.identity.schemas import ConsentIn, ConsentOut
from tanhui.models.base import utc_now
from tanhui.models.identity import ConsentRecord, UserProfile
from tanhui.models.transactions import only_condition_failures, transaction
from tanhui.models.wallet import Wallet
from tanhui.observability import logger

COGNITO_VERSION, COGNITO_AT = "custom:consent_version", "custom:consent_at"


def cognito_attributes(version: str, at: str) -> dict[str, str]:
    return {COGNITO_VERSION: version, COGNITO_AT: at}


def record(user_id: str, version: str, at: str, channel: str) -> ConsentRecord:
    """The append-only record of one consent: who agreed to which version, when, through what."""
    return ConsentRecord(
        *ConsentRecord.key(user_id, at, version),
        user_id=user_id,
        version=version,
        accepted=True,
        accepted_at=at,
        channel=channel,
    )


def require_consent(user_id: str) -> None:
    """403 consent_required unless the user's wallet carries a consent (one strongly consistent
    read of one attribute)."""
    try:
        wallet = Wallet.get(
            *Wallet.key(user_id), consistent_read=True, attributes_to_get=["consent_version"]
        )
    except Wallet.DoesNotExist as exc:
        raise errors.ConsentNotGiven() from exc
    if not wallet.consent_version:
        raise errors.ConsentNotGiven()


def give(user_id: str, req: ConsentIn, *, channel: str = "api") -> ConsentOut:
    """Records the consent (append-only record) and puts it in force on profile and wallet.
    Cognito is written first, so the account can still be rebuilt from Cognito alone."""
    if not req.accepted:
        raise errors.ConsentRequired()
    at = utc_now()
    cognito.set_attributes(user_id, cognito_attributes(req.version, at))
    try:
        with transaction() as tx:
            tx.save(record(user_id, req.version, at, channel), condition=ConsentRecord.pk.does_not_exist())
            tx.update(
                UserProfile(*UserProfile.key(user_id)),
                actions=[UserProfile.consent_version.set(req.version), UserProfile.consent_at.set(at)],
                condition=UserProfile.pk.exists(),
            )
            tx.update(
                Wallet(*Wallet.key(user_id)),
                actions=[Wallet.consent_version.set(req.version), Wallet.consent_at.set(at)],
                condition=Wallet.pk.exists(),
            )
    except TransactWriteError as exc:
        if not only_condition_failures(exc):
            raise
        raise errors.NotFound(
            "No profile for this user; log in again.", code="profile_not_found"
        ) from exc
    logger.info("consent given", extra={"user_id": user_id, "version": req.version})
    return ConsentOut(version=req.version, accepted_at=at)
