"""Adapter over the Cognito user pool: translates Cognito's errors into domain errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from tanhui import errors
from tanhui.aws import client
from tanhui.config import get_settings


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str
    id_token: str
    refresh_token: str | None
    expires_in: int
    token_type: str = "Bearer"


@dataclass(frozen=True, slots=True)
class CognitoUser:
    user_id: str
    confirmed: bool
    attributes: dict[str, str]


class UsernameExists(Exception):
    """The phone number is already a Cognito user (the caller decides what that means)."""


def _code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


def _attrs(pairs: list[dict[str, str]]) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in pairs}


def _cognito() -> Any:
    return client("cognito-idp")


def sign_up(phone: str, password: str, attributes: dict[str, str]) -> str:
    s = get_settings()
    try:
        response = _cognito().sign_up(
            ClientId=s.user_pool_client_id,
            Username=phone,
            Password=password,
            UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()],
        )
    except ClientError as exc:
        code = _code(exc)
        if code == "UsernameExistsException":
            raise UsernameExists(phone) from exc
        if code == "InvalidPasswordException":
            raise errors.WeakPassword() from exc
        if code == "InvalidParameterException":
            raise errors.Unprocessable(exc.response["Error"].get("Message")) from exc
        raise
    return response["UserSub"]


def set_attributes(username: str, attributes: dict[str, str]) -> None:
    """Writes attributes the app client may not write (consent, partner): server side only."""
    try:
        _cognito().admin_update_user_attributes(
            UserPoolId=get_settings().user_pool_id,
            Username=username,
            UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()],
        )
    except ClientError as exc:
        if _code(exc) == "UserNotFoundException":  # deleted while its access token still lives
            raise errors.NotFound("No such user; log in again.", code="profile_not_found") from exc
        raise


def delete_attributes(username: str, names: list[str]) -> None:
    """Removes server-side attributes (a withdrawn consent); those the user does not have are
    skipped (Cognito refuses to delete an attribute a user lacks)."""
    pool = get_settings().user_pool_id
    try:
        held = _attrs(_cognito().admin_get_user(UserPoolId=pool, Username=username)["UserAttributes"])
        present = [n for n in names if n in held]
        if present:
            _cognito().admin_delete_user_attributes(
                UserPoolId=pool, Username=username, UserAttributeNames=present
            )
    except ClientError as exc:
        if _code(exc) == "UserNotFoundException":
            raise errors.NotFound("No such user; log in again.", code="profile_not_found") from exc
        raise


def admin_confirm(phone: str) -> None:
    _cognito().admin_confirm_sign_up(UserPoolId=get_settings().user_pool_id, Username=phone)


def confirm(phone: str, code: str) -> None:
    try:
        _cognito().confirm_sign_up(
            ClientId=get_settings().user_pool_client_id, Username=phone, ConfirmationCode=code
        )
    except ClientError as exc:
        if _code(exc) in {"CodeMismatchException", "ExpiredCodeException", "UserNotFoundException"}:
            raise errors.Unprocessable(
                "The confirmation code is wrong or expired.", code="invalid_confirmation_code"
            ) from exc
        if _code(exc) == "NotAuthorizedException":  # already confirmed
            raise errors.Conflict(
                "This phone number is already confirmed.", code="already_confirmed"
            ) from exc
        raise


def get_user(phone: str) -> CognitoUser | None:
    try:
        r = _cognito().admin_get_user(UserPoolId=get_settings().user_pool_id, Username=phone)
    except ClientError as exc:
        if _code(exc) == "UserNotFoundException":
            return None
        raise
    attributes = _attrs(r.get("UserAttributes", []))
    return CognitoUser(attributes["sub"], r.get("UserStatus") == "CONFIRMED", attributes)


def _tokens(result: dict[str, Any], refresh_token: str | None = None) -> Tokens:
    return Tokens(
        access_token=result["AccessToken"],
        id_token=result["IdToken"],
        refresh_token=result.get("RefreshToken", refresh_token),
        expires_in=int(result.get("ExpiresIn", 3600)),
    )


def password_auth(phone: str, password: str) -> Tokens:
    try:
        r = _cognito().initiate_auth(
            ClientId=get_settings().user_pool_client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": phone, "PASSWORD": password},
        )
    except ClientError as exc:
        code = _code(exc)
        if code in {"NotAuthorizedException", "UserNotFoundException"}:
            raise errors.InvalidCredentials() from exc
        if code == "UserNotConfirmedException":
            raise errors.NotConfirmed() from exc
        if code == "PasswordResetRequiredException":
            raise errors.Forbidden(
                "Reset the password first.", code="password_reset_required"
            ) from exc
        raise
    if "AuthenticationResult" not in r:  # a challenge (e.g. NEW_PASSWORD_REQUIRED) we do not offer
        raise errors.Forbidden(
            "This login needs a password change first.", code="challenge_required"
        )
    return _tokens(r["AuthenticationResult"])


def refresh(refresh_token: str) -> Tokens:
    try:
        r = _cognito().initiate_auth(
            ClientId=get_settings().user_pool_client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refresh_token},
        )
    except ClientError as exc:
        if _code(exc) in {"NotAuthorizedException", "UserNotFoundException"}:
            raise errors.Unauthorized(
                "The refresh token is not valid.", code="invalid_refresh_token"
            ) from exc
        raise
    except KeyError as exc:  # moto raises KeyError-backed 500s for unknown tokens
        raise errors.Unauthorized(
            "The refresh token is not valid.", code="invalid_refresh_token"
        ) from exc
    return _tokens(r["AuthenticationResult"], refresh_token)


# what Cognito answers for a token that is not (or no longer) valid: nothing left to revoke
_SPENT = {"NotAuthorizedException", "InvalidParameterException", "UnsupportedTokenTypeException",
          "UserNotFoundException"}


def revoke(refresh_token: str) -> None:
    """RevokeToken: the refresh token and the access tokens issued from it stop working. A token
    that is already invalid is ignored."""
    try:
        _cognito().revoke_token(Token=refresh_token, ClientId=get_settings().user_pool_client_id)
    except ClientError as exc:
        if _code(exc) not in _SPENT:
            raise


def global_sign_out(access_token: str) -> None:
    """GlobalSignOut: every refresh token of the access token's user stops working. An invalid
    access token (Cognito checks it) is ignored."""
    try:
        _cognito().global_sign_out(AccessToken=access_token)
    except ClientError as exc:
        if _code(exc) not in _SPENT:
            raise


def create_staff_user(phone: str, password: str, attributes: dict[str, str], group: str) -> str:
    """Creates a confirmed login with a permanent password, in `group`; returns its sub."""
    s = get_settings()
    cognito = _cognito()
    try:
        r = cognito.admin_create_user(
            UserPoolId=s.user_pool_id,
            Username=phone,
            MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "phone_number_verified", "Value": "true"}]
            + [{"Name": k, "Value": v} for k, v in attributes.items()],
        )
    except ClientError as exc:
        if _code(exc) == "UsernameExistsException":
            raise errors.PhoneTaken() from exc
        if _code(exc) == "InvalidParameterException":
            raise errors.Unprocessable(exc.response["Error"].get("Message")) from exc
        raise
    user_id = _attrs(r["User"]["Attributes"])["sub"]
    try:
        cognito.admin_set_user_password(
            UserPoolId=s.user_pool_id, Username=phone, Password=password, Permanent=True
        )
    except ClientError as exc:
        if _code(exc) == "InvalidPasswordException":
            cognito.admin_delete_user(UserPoolId=s.user_pool_id, Username=phone)
            raise errors.WeakPassword() from exc
        raise
    cognito.admin_add_user_to_group(UserPoolId=s.user_pool_id, Username=phone, GroupName=group)
    return user_id


def delete_user(user_id: str) -> None:
    """Signs the user out everywhere and deletes them (AdminUserGlobalSignOut, AdminDeleteUser: by
    sub, as an alias of the phone): their phone may register again, as a new person. A user who
    is gone already is no error."""
    pool = get_settings().user_pool_id
    try:
        _cognito().admin_user_global_sign_out(UserPoolId=pool, Username=user_id)
        _cognito().admin_delete_user(UserPoolId=pool, Username=user_id)
    except ClientError as exc:
        if _code(exc) != "UserNotFoundException":
            raise
