"""Consent (用户授权): nothing about a user is collected or credited before they agree.

The consent in force is written on the profile and on the wallet item. A credit is an update of
the wallet conditioned on `attribute_exists(consent_version)` (see `claims.transaction`), so the
claim path enforces consent inside its one write request, with no read and nothing cached to go
stale. Paths that record behaviour without crediting in the same request (partner file rows,
bindings) call `require_consent` first.
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
