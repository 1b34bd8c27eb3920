"""Browser sessions: the refresh token in an HttpOnly cookie, never in JavaScript's reach.

A client that sends `X-Session: cookie` with register, login or refresh gets `refresh_token: null`
in the body and the token as the cookie `tanhui_refresh` (HttpOnly; SameSite=Strict;
Path=/v1/auth; Secure when the request came over https; Max-Age = the app client's refresh token
validity). `POST /v1/auth/refresh` without a token in its body uses the cookie; `POST
/v1/auth/logout` revokes the token (cookie or body) with Cognito RevokeToken, signs the caller out
everywhere (GlobalSignOut) when a bearer access token comes along, and clears the cookie.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from http.cookies import CookieError, SimpleCookie

from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from tanhui import errors
from tanhui.config import get_settings
from tanhui.identity import cognito
from tanhui.identity.cognito import Tokens

COOKIE = "tanhui_refresh"
COOKIE_PATH = "/v1/auth"  # sent to refresh and logout only, never to the rest of the API
COOKIE_MODE = "cookie"  # the X-Session header's one value


def _lower(headers: Mapping[str, str] | None) -> dict[str, str]:
    return {k.lower(): v for k, v in (headers or {}).items()}


def over_https(headers: Mapping[str, str] | None) -> bool:
    """The request reached the edge over https (API Gateway and CloudFront say so in
    X-Forwarded-Proto; a proxy chain lists the client's hop first)."""
    proto = _lower(headers).get("x-forwarded-proto", "")
    return proto.split(",")[0].strip().lower() == "https"


def refresh_cookie(refresh_token: str, headers: Mapping[str, str] | None) -> Cookie:
    return Cookie(
        COOKIE,
        refresh_token,
        path=COOKIE_PATH,
        secure=over_https(headers),
        http_only=True,
        max_age=get_settings().refresh_token_days * 86_400,
        same_site=SameSite.STRICT_MODE,
    )


def cleared_cookie(headers: Mapping[str, str] | None) -> Cookie:
    return Cookie(
        COOKIE, "", path=COOKIE_PATH, secure=over_https(headers), http_only=True, max_age=0,
        same_site=SameSite.STRICT_MODE,
    )


def from_cookies(cookies: Iterable[str] | None) -> str | None:
    """The refresh token among the request's cookies (HTTP API events carry them in
    `event["cookies"]`, one `name=value` each), or None."""
    for raw in cookies or ():
        try:
            jar: SimpleCookie = SimpleCookie(raw)
        except CookieError:
            continue
        if COOKIE in jar and jar[COOKIE].value:
            return jar[COOKIE].value
    return None


def refresh(body_token: str | None, cookies: Iterable[str] | None) -> tuple[Tokens, bool]:
    """Fresh tokens from the body's refresh token, else the cookie's; and whether the cookie
    was used. No token at all: 401 invalid_refresh_token (the client signs in again)."""
    cookie_token = None if body_token else from_cookies(cookies)
    token = body_token or cookie_token
    if not token:
        raise errors.Unauthorized(
            "No refresh token: send it in the body or sign in again.", code="invalid_refresh_token"
        )
    return cognito.refresh(token), cookie_token is not None


def bearer(headers: Mapping[str, str] | None) -> str | None:
    scheme, _, token = _lower(headers).get("authorization", "").strip().partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def logout(body_token: str | None, cookies: Iterable[str] | None, access_token: str | None) -> None:
    """Revokes the refresh token (body or cookie: both if they differ) and, with an access
    token, signs its user out of every device. Tokens that are already invalid are no error: the
    session ends either way."""
    for token in {t for t in (body_token, from_cookies(cookies)) if t}:
        cognito.revoke(token)
    if access_token:
        cognito.global_sign_out(access_token)
