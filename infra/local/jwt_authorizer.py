"""The HTTP API's JWT authorizer, locally: verifies Cognito access tokens with pyjwt against the
pool's JWKS (keys cached).

API Gateway does this in AWS, so the layer holds none of it; the local gateway calls `verify` so
that the handlers receive exactly the claims they would receive there. `JWKS_URL` points it at
moto's JWKS (the local stack's environment sets it); without it, the pool's Cognito address.

Two authorizers, as template.yaml declares them: `CognitoJwt` admits the web app client's tokens;
`PeerJwt` admits peer platforms' client-credentials tokens (no user in them). In AWS its audience
is the stack's `PeerClientIds`; locally, where peers are onboarded while the stack runs, any app
client of the pool but the web app's. A route's `AuthorizationScopes` are checked as API Gateway
checks them: the token's `scope` must hold at least one.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import jwt
from tanhui import errors
from tanhui.config import get_settings


@cache
def _jwks(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=3600, timeout=5)


def verify(token: str, authorizer: str = "CognitoJwt", scopes: tuple[str, ...] = ()) -> dict[str, Any]:
    """Returns the claims of a valid access token of our pool for `authorizer`, else Unauthorized;
    with `scopes`, Forbidden unless the token carries one of them."""
    s = get_settings()
    jwks_url = os.environ.get("JWKS_URL") or f"{s.issuer}/.well-known/jwks.json"
    try:
        key = _jwks(jwks_url).get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            issuer=s.issuer,
            options={"require": ["exp", "iat", "sub", "iss", "token_use"]},
            leeway=5,
        )
    except jwt.ExpiredSignatureError as exc:
        raise errors.Unauthorized("The token has expired.") from exc
    except (jwt.PyJWTError, ValueError) as exc:
        raise errors.Unauthorized("The token is not valid.") from exc
    if claims.get("token_use") != "access":
        raise errors.Unauthorized("Send the access token.")
    if authorizer == "CognitoJwt":
        if claims.get("client_id") != s.user_pool_client_id:
            raise errors.Unauthorized("The token was issued to another client.")
    elif claims.get("client_id") == s.user_pool_client_id or "username" in claims:
        raise errors.Unauthorized("Send a client-credentials token of a peer's own app client.")
    if scopes and not set(scopes) & set(str(claims.get("scope") or "").split()):
        raise errors.Forbidden("The token lacks the route's scope.")
    return claims
