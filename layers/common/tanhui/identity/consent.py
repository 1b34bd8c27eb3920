"""Consent (用户授权): nothing about a user is collected or credited before they agree.

The consent in force is written on the profile and on the wallet item. A credit is an update of
the wallet conditioned on `attribute_exists(consent_version)` (see `claims.transaction`), so the
claim path enforces consent inside its one write request, with no read and nothing cached to go
stale. Paths that record behaviour without crediting in the same request (partner file rows,
bindings) call `require_consent` first.

Withdrawing (撤回授权, `withdraw`) removes the consent from Cognito, profile and wallet and stamps
`consent_withdrawn_at` on both: from then on every credit's wallet condition fails, and the refusal
says `consent_withdrawn` (the wallet's old item carries the stamp and no consent). Giving consent
again puts a consent in force from that moment; the stamp stays, as the last withdrawal.
"""

from __future__ import annotations

from tanhui import errors
from tanhui.identity import cognito
from tanhui.identity.schemas import ConsentDocumentOut, ConsentIn, ConsentOut, ConsentText
from tanhui.models.base import utc_now
from tanhui.models.identity import ConsentRecord, UserProfile
from tanhui.models.wallet import Wallet
from tanhui.models.writes import Cancelled, WritePlan, retrying
from tanhui.observability import logger

COGNITO_VERSION, COGNITO_AT = "custom:consent_version", "custom:consent_at"
CONSENT_ON_WALLET = Wallet.consent_version.attr_name
WITHDRAWN = Wallet.consent_withdrawn_at.attr_name  # on a wallet without consent: it was withdrawn

# The consent in force (GET /v1/consent). A new text gets a new version; registration and
# POST /v1/me/consent accept only this one.
VERSION = "2026-11"
TEXT_ZH = (
    "碳惠个人信息授权（2026-11 版）\n"
    "我们收集：您的手机号（登录和核对合作方上报的记录）；您扫码、核销和合作方上报的低碳行为"
    "（时间、场所、碳币与减碳量）；仅当某个码要求定位时，扫码那一刻的位置（用于确认您在现场，不保存轨迹）。\n"
    "用途：计算并发放碳币、兑换权益、排行榜（仅显示昵称）和减碳证书。我们不出售您的信息，"
    "只向为您记录行为的合作方提供完成该记录所需的内容。\n"
    "保存期限：账户存续期间；注销账户后 30 天内删除或匿名化，法律要求保存的记录除外。\n"
    "您的权利：可随时查阅、更正您的信息，撤回本授权或注销账户（在“我的”页面，或联系客服）。"
    "撤回后不再记录新的行为、也不再发放碳币，已发放的碳币不受影响。"
)
TEXT_EN = (
    "Tanhui personal information consent (version 2026-11)\n"
    "What we collect: your phone number (to log in and to match records partners report); the "
    "low-carbon behaviours you scan, redeem or partners report (time, place, coins and CO2e "
    "saved); your location at the moment of a scan, only when a code requires it (to confirm you "
    "are there; no tracks are kept).\n"
    "Why: to calculate and credit coins, redeem offers, show leaderboards (display name only) and "
    "issue reduction certificates. We do not sell your data; a partner that records a behaviour "
    "for you gets only what that record needs.\n"
    "How long: while your account exists; deleted or anonymised within 30 days after you close "
    "it, except records the law requires us to keep.\n"
    "Your rights: see or correct your data, withdraw this consent or close your account at any "
    "time (on the Me page, or through customer service). After withdrawal no new behaviour is "
    "recorded and no coins are credited; coins already credited stay yours."
)


class ConsentOutdated(errors.Unprocessable):
    code, message = "consent_outdated", (
        "This is not the consent in force: read GET /v1/consent and accept its version."
    )


def document() -> ConsentDocumentOut:
    """The consent in force: its version and text in Chinese and English."""
    return ConsentDocumentOut(version=VERSION, text=ConsentText(zh=TEXT_ZH, en=TEXT_EN))


def check_accepted(req: ConsentIn | None) -> ConsentIn:
    """422 consent_required unless the consent is accepted; 422 consent_outdated unless it is
    the version in force."""
    if req is None or not req.accepted:
        raise errors.ConsentRequired()
    if req.version != VERSION:
        raise ConsentOutdated(f"Consent version {VERSION} is in force; read GET /v1/consent.")
    return req


def cognito_attributes(version: str, at: str) -> dict[str, str]:
    return {COGNITO_VERSION: version, COGNITO_AT: at}


def record(user_id: str, version: str, at: str, channel: str) -> ConsentRecord:
    """The append-only record of one consent: who agreed to which version, when, through what."""
    return _entry(user_id, version, at, channel, accepted_at=at)


def withdrawal(user_id: str, version: str, accepted_at: str, at: str, channel: str) -> ConsentRecord:
    """The append-only record of a withdrawal: which version (accepted when) was withdrawn, when."""
    return _entry(user_id, version, at, channel, accepted_at=accepted_at, withdrawn_at=at)


def _entry(user_id: str, version: str, at: str, channel: str, *, accepted_at: str,
           withdrawn_at: str | None = None) -> ConsentRecord:
    return ConsentRecord(
        *ConsentRecord.key(user_id, at, version), user_id=user_id, version=version,
        accepted=withdrawn_at is None, accepted_at=accepted_at, withdrawn_at=withdrawn_at, channel=channel,
    )


def require_consent(user_id: str) -> None:
    """403 consent_required unless the user's wallet carries a consent, 403 consent_withdrawn if
    the user withdrew it (one strongly consistent read of two attributes)."""
    try:
        wallet = Wallet.get(
            *Wallet.key(user_id), consistent_read=True,
            attributes_to_get=[CONSENT_ON_WALLET, WITHDRAWN],
        )
    except Wallet.DoesNotExist as exc:
        raise errors.ConsentNotGiven() from exc
    if not wallet.consent_version:
        raise errors.ConsentWithdrawn() if wallet.consent_withdrawn_at else errors.ConsentNotGiven()


def withdrawn(user_id: str) -> bool:
    """Whether the user withdrew the consent and has not given it again."""
    try:
        require_consent(user_id)
    except errors.ConsentWithdrawn:
        return True
    except errors.ConsentNotGiven:
        return False
    return False


def withdraw(user_id: str, *, channel: str = "api") -> None:
    """Withdraws the consent in force (撤回授权): Cognito's attributes go first (the account is
    rebuilt from Cognito alone, without consent), then one write plan appends the withdrawal
    record, removes the consent from profile and wallet and stamps `consent_withdrawn_at` on both.
    The profile's update is conditioned on the consent read (its time), so a consent given
    meanwhile is read again and withdrawn as what it is. Already withdrawn: nothing changes (the
    first withdrawal's time stays). A person who never consented is marked withdrawn too (nothing
    to record): rows a partner reports for them are refused from then on."""
    for _ in range(3):
        try:
            profile = UserProfile.get(*UserProfile.key(user_id), consistent_read=True)
        except UserProfile.DoesNotExist as exc:
            raise errors.NotFound(
                "No profile for this user; log in again.", code="profile_not_found"
            ) from exc
        version, accepted_at = profile.consent_version, profile.consent_at
        if not version and profile.consent_withdrawn_at:
            return  # withdrawn already
        at = utc_now()
        cognito.delete_attributes(user_id, [COGNITO_VERSION, COGNITO_AT])
        plan = WritePlan("consent_withdrawal", key=(user_id, version or "-", at))
        if version:
            plan.put("record", withdrawal(user_id, version, accepted_at or "", at, channel),
                     condition=ConsentRecord.pk.does_not_exist())
            held = UserProfile.pk.exists() & (UserProfile.consent_at == accepted_at)
        else:
            held = UserProfile.pk.exists() & UserProfile.consent_version.does_not_exist()
        plan.update("profile", UserProfile(*UserProfile.key(user_id)),
                    [UserProfile.consent_version.remove(), UserProfile.consent_at.remove(),
                     UserProfile.consent_withdrawn_at.set(at)], condition=held)
        plan.update("wallet", Wallet(*Wallet.key(user_id)),
                    [Wallet.consent_version.remove(), Wallet.consent_at.remove(),
                     Wallet.consent_withdrawn_at.set(at)], condition=Wallet.pk.exists())
        try:
            retrying(plan.send, operation="consent_withdrawal")
        except Cancelled as cancelled:
            if not cancelled.failed:
                raise
            if cancelled.failed == {"record"}:  # keyed by this very moment: a lost reply's commit
                break
            if "wallet" in cancelled.failed:
                raise errors.NotFound(
                    "No wallet for this user; log in again.", code="profile_not_found"
                ) from cancelled
            continue  # the consent changed between the read and the write: read it again
        break
    else:
        raise errors.Busy("The consent kept changing; try again.")
    logger.info("consent withdrawn", extra={"user_id": user_id, "version": version})


def give(user_id: str, req: ConsentIn, *, channel: str = "api") -> ConsentOut:
    """Records the consent (append-only record) and puts it in force on profile and wallet.
    Cognito is written first, so the account can still be rebuilt from Cognito alone."""
    check_accepted(req)
    at = utc_now()
    cognito.set_attributes(user_id, cognito_attributes(req.version, at))
    plan = WritePlan("consent", key=(user_id, req.version, at))
    plan.put("record", record(user_id, req.version, at, channel), condition=ConsentRecord.pk.does_not_exist())
    plan.update("profile", UserProfile(*UserProfile.key(user_id)),
                [UserProfile.consent_version.set(req.version), UserProfile.consent_at.set(at)],
                condition=UserProfile.pk.exists())
    plan.update("wallet", Wallet(*Wallet.key(user_id)),
                [Wallet.consent_version.set(req.version), Wallet.consent_at.set(at)],
                condition=Wallet.pk.exists())
    try:
        retrying(plan.send, operation="consent")
    except Cancelled as cancelled:
        if not cancelled.failed:
            raise
        if cancelled.failed == {"record"}:  # keyed by this very moment: a lost reply's commit
            return ConsentOut(version=req.version, accepted_at=at)
        raise errors.NotFound(
            "No profile for this user; log in again.", code="profile_not_found"
        ) from cancelled
    logger.info("consent given", extra={"user_id": user_id, "version": req.version})
    return ConsentOut(version=req.version, accepted_at=at)
