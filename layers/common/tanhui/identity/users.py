"""Registration with consent, login, refresh and profile.

Cognito is written first and holds everything needed to rebuild the account (the display name
rides along at sign-up, consent is then written server side: the app client may not write it);
the DynamoDB side (profile, wallet, consent record) is then *ensured* by one idempotent
transaction. A crash between the two is healed by the registration retry, the next login, or
`GET /v1/me` — a user never stays without a wallet. A tourist's phone is also bound to the account
(`BINDING#phone#<E.164>`, see `models.bindings`) in that transaction, so partner file rows naming
the phone match the user; accounts made before it get it whenever `ensure_account` runs again.
"""

from __future__ import annotations

from dataclasses import asdict

import jwt

from tanhui import errors
from tanhui.config import get_settings
from tanhui.identity import cognito, consent
from tanhui.identity.cognito import Tokens
from tanhui.identity.schemas import ConsentOut, ProfileOut, RegisteredOut, RegisterIn, TokensOut
from tanhui.models.base import TanhuiModel, put_once, utc_now
from tanhui.models.bindings import PHONE, Binding
from tanhui.models.identity import ConsentRecord, UserProfile
from tanhui.models.partner import PartnerStaff
from tanhui.models.wallet import Wallet
from tanhui.models.writes import Cancelled, WritePlan, retrying
from tanhui.observability import logger, metrics


def tokens_out(tokens: Tokens) -> TokensOut:
    return TokensOut(**asdict(tokens))


def ensure_account(
    *,
    user_id: str,
    phone: str,
    display_name: str,
    role: str = "tourist",
    partner_id: str | None = None,
    consent_version: str | None = None,
    consent_at: str | None = None,
) -> None:
    """Creates profile (+ wallet and consent record for tourists) once; safe to repeat."""
    now = utc_now()
    profile = UserProfile(
        *UserProfile.key(user_id),
        user_id=user_id,
        phone=phone,
        display_name=display_name,
        role=role,
        partner_id=partner_id,
        consent_version=consent_version,
        consent_at=consent_at,
        created_at=now,
    )
    plan = WritePlan("register", key=(user_id,))
    plan.put("profile", profile, condition=UserProfile.pk.does_not_exist())
    if role == "tourist":
        plan.put("wallet", _wallet(user_id, consent_version, consent_at, now),
                 condition=Wallet.pk.does_not_exist())
        if phone:
            plan.put("phone", Binding.of(PHONE, phone, user_id, now), condition=Binding.pk.does_not_exist())
    if consent_version and consent_at:
        record = consent.record(user_id, consent_version, consent_at, "register")
        plan.put("consent", record, condition=ConsentRecord.pk.does_not_exist())
    try:
        retrying(plan.send, operation="register")
    except Cancelled as cancelled:
        if not cancelled.failed:
            raise
        # Some of it exists already: a retry. Create what is missing one by one, idempotently.
        _ensure_each(profile, role, consent_version, consent_at, now)


def _wallet(user_id: str, consent_version: str | None, consent_at: str | None, now: str) -> Wallet:
    """A new wallet; it carries the consent given at registration (credits require one)."""
    consented = bool(consent_version and consent_at)
    return Wallet(
        *Wallet.key(user_id),
        user_id=user_id,
        consent_version=consent_version if consented else None,
        consent_at=consent_at if consented else None,
        created_at=now,
        updated_at=now,
    )


def _ensure_each(
    profile: UserProfile, role: str, version: str | None, at: str | None, now: str
) -> None:

    items: list[TanhuiModel] = [profile]
    if role == "tourist":
        items.append(_wallet(profile.user_id, version, at, now))
    if version and at:
        items.append(consent.record(profile.user_id, version, at, "register"))
    if role == "tourist" and profile.phone:
        items.append(Binding.of(PHONE, profile.phone, profile.user_id, now))
    for item in items:
        if not put_once(item) and isinstance(item, Binding):
            _phone_bound_elsewhere(item)


def _phone_bound_elsewhere(mine: Binding) -> None:
    """The phone is bound already: to this user (a retry), or, logged, to another account (one
    that had the number before). It is not taken over: the app client can write `phone_number`."""
    held = Binding.get(mine.pk, mine.sk, attributes_to_get=["user_id"])
    if held.user_id != mine.user_id:
        logger.warning("phone bound to another account", extra={"user_id": mine.user_id})


def _role(user: cognito.CognitoUser, groups: frozenset[str]) -> tuple[str, str | None]:
    """Role from the token's groups only; a partner login's partner from its staff record (an
    attribute a client managed to write proves nothing)."""
    if "regulator" in groups:
        return "regulator", None
    if "admin" in groups:
        return "admin", None
    if "partner" not in groups:
        return "tourist", None
    claimed = user.attributes.get("custom:partner_id") or ""
    try:
        PartnerStaff.get(*PartnerStaff.key(claimed, user.user_id))
    except PartnerStaff.DoesNotExist:
        return "partner", None
    return "partner", claimed


def _ensure_from_cognito(user: cognito.CognitoUser, groups: frozenset[str] = frozenset()) -> None:
    a = user.attributes
    role, partner_id = _role(user, groups)
    ensure_account(
        user_id=user.user_id,
        phone=a.get("phone_number", ""),
        display_name=a.get("name", ""),
        consent_version=a.get(consent.COGNITO_VERSION),
        consent_at=a.get(consent.COGNITO_AT),
        role=role,
        partner_id=partner_id,
    )


def _groups(tokens: Tokens) -> frozenset[str]:
    """The groups in an access token Cognito has just issued to us (no need to verify it)."""
    claims = jwt.decode(tokens.access_token, options={"verify_signature": False})
    return frozenset(claims.get("cognito:groups") or ())


def register(req: RegisterIn) -> tuple[RegisteredOut, bool]:
    """Returns the registration and whether it is new (201) or a completed retry."""
    accepted = consent.check_accepted(req.consent)
    settings = get_settings()
    consent_at = utc_now()
    # the app client may write only these; consent is written server side, below
    attributes = {"phone_number": req.phone, "name": req.display_name}
    try:
        user_id = cognito.sign_up(req.phone, req.password, attributes)
        cognito.set_attributes(req.phone, consent.cognito_attributes(accepted.version, consent_at))
        created = True
    except cognito.UsernameExists:
        user_id = _resume_registration(req)
        created = False
    else:
        if settings.auto_confirm_users:
            cognito.admin_confirm(req.phone)
        ensure_account(
            user_id=user_id,
            phone=req.phone,
            display_name=req.display_name,
            consent_version=accepted.version,
            consent_at=consent_at,
        )
        metrics.add_metric(name="UserRegistered", unit="Count", value=1)
        logger.info("user registered", extra={"user_id": user_id})
    if not settings.auto_confirm_users and created:
        return RegisteredOut(user_id=user_id, confirmation_required=True, tokens=None), True
    tokens = cognito.password_auth(req.phone, req.password)
    return RegisteredOut(
        user_id=user_id, confirmation_required=False, tokens=tokens_out(tokens)
    ), created


def _resume_registration(req: RegisterIn) -> str:
    """The phone exists in Cognito. The same person retrying (right password) gets the account
    completed; anyone else gets 409 phone_taken."""
    user = cognito.get_user(req.phone)
    if user is None:
        raise errors.PhoneTaken()
    if user.confirmed:
        try:
            tokens = cognito.password_auth(req.phone, req.password)
        except (errors.InvalidCredentials, errors.Forbidden) as exc:
            raise errors.PhoneTaken() from exc
        groups = _groups(tokens)
        _ensure_from_cognito(user, groups)
        if not groups and consent.COGNITO_VERSION not in user.attributes and req.consent is not None:
            # the same person, consenting now (an account made without consent, or a crash
            # before consent was written): put it in force
            consent.give(user.user_id, req.consent, channel="register")
        return user.user_id
    # Unconfirmed: nobody can prove the password yet; complete the account from what Cognito
    # holds (the original registrant's data) and ask for confirmation.
    _ensure_from_cognito(user)
    raise errors.PhoneTaken("This phone number is registered and awaits SMS confirmation.")


def confirm(phone: str, code: str) -> str | None:
    """Confirms the phone; returns the user's id."""
    cognito.confirm(phone, code)
    user = cognito.get_user(phone)
    if user is not None:
        _ensure_from_cognito(user)
        return user.user_id
    return None


def user_of(tokens: Tokens) -> str:
    """The user id in an access token Cognito has just issued to us."""
    return str(jwt.decode(tokens.access_token, options={"verify_signature": False})["sub"])


def login(phone: str, password: str) -> Tokens:
    tokens = cognito.password_auth(phone, password)
    user_id = user_of(tokens)
    if _profile(user_id) is None:
        user = cognito.get_user(phone)
        if user is not None:
            _ensure_from_cognito(user, _groups(tokens))
    return tokens


def refresh(refresh_token: str) -> Tokens:
    return cognito.refresh(refresh_token)


def _profile(user_id: str) -> UserProfile | None:
    try:
        return UserProfile.get(*UserProfile.key(user_id))
    except UserProfile.DoesNotExist:
        return None


def profile(user_id: str, role: str) -> ProfileOut:
    """The caller's profile; `role` is the verified token's (its groups), never a stored claim."""
    item = _profile(user_id)
    if item is None:
        raise errors.NotFound("No profile for this user; log in again.", code="profile_not_found")
    given = (
        ConsentOut(version=item.consent_version, accepted_at=item.consent_at)
        if item.consent_version and item.consent_at
        else None
    )
    return ProfileOut(
        user_id=item.user_id,
        phone=item.phone,
        display_name=item.display_name,
        role=role,
        partner_id=item.partner_id if role == "partner" else None,
        consent=given,
        consent_withdrawn_at=item.consent_withdrawn_at,
        created_at=item.created_at,
    )
