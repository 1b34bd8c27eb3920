"""moto's Cognito, made to honour an app client's `WriteAttributes` as Cognito does, and to
answer RevokeToken (moto 5.2.5 has no such action; logout calls it), and the pool domain's token
endpoint for peer platforms' client-credentials grant (`client_credentials_token`, served by the
local gateway at POST /oauth2/token).

moto stores the client's WriteAttributes but lets SignUp and UpdateUserAttributes write any
attribute. Cognito refuses those calls with NotAuthorizedException ("A client attempted to write
unauthorized attribute"), which is what keeps `custom:partner_id` and consent server-side only.
"""

from __future__ import annotations

from typing import Any

UNAUTHORIZED = "A client attempted to write unauthorized attribute"


def _check(client: Any, attributes: list[dict[str, str]] | None) -> None:
    from moto.cognitoidp.exceptions import NotAuthorizedError

    allowed = client.extended_config.get("WriteAttributes") if client is not None else None
    if allowed is None:
        return
    if any(a["Name"] not in allowed for a in attributes or []):
        raise NotAuthorizedError(UNAUTHORIZED)


def make_moto_cognito_honour_write_attributes() -> None:
    """Patches moto's Cognito backend in this process (idempotent)."""
    from moto.cognitoidp.models import CognitoIdpBackend

    if getattr(CognitoIdpBackend, "_tanhui_write_attributes", False):
        return
    sign_up, update = CognitoIdpBackend.sign_up, CognitoIdpBackend.update_user_attributes

    def checked_sign_up(self: Any, client_id: str, username: str, password: str, attributes: Any) -> Any:
        pool = next((p for p in self.user_pools.values() if client_id in p.clients), None)
        _check(pool.clients[client_id] if pool else None, attributes)
        return sign_up(self, client_id, username, password, attributes)

    def checked_update(self: Any, access_token: str, attributes: Any) -> Any:
        for pool in self.user_pools.values():
            if access_token in pool.access_tokens:
                _check(pool.clients.get(pool.access_tokens[access_token][0]), attributes)
        return update(self, access_token, attributes)

    def revoke_token(self: Any, client_id: str, refresh_token: str) -> None:
        """Cognito's RevokeToken: the app client's refresh token can no longer refresh (an
        unknown or spent token: nothing to do, as Cognito answers)."""
        for pool in self.user_pools.values():
            held = pool.refresh_tokens.get(refresh_token)
            if client_id in pool.clients and held is not None and held[0] == client_id:
                pool.refresh_tokens[refresh_token] = None

    def revoke_token_response(self: Any) -> Any:
        from moto.core.responses import EmptyResult

        self.backend.revoke_token(self._get_param("ClientId"), self._get_param("Token"))
        return EmptyResult()

    from moto.cognitoidp.responses import CognitoIdpResponse

    CognitoIdpBackend.revoke_token = revoke_token  # type: ignore[attr-defined]
    CognitoIdpResponse.revoke_token = revoke_token_response  # type: ignore[attr-defined]
    CognitoIdpBackend.sign_up = checked_sign_up  # type: ignore[method-assign]
    CognitoIdpBackend.update_user_attributes = checked_update  # type: ignore[method-assign]
    CognitoIdpBackend._tanhui_write_attributes = True  # type: ignore[attr-defined]


def client_credentials_token(
    client_id: str, secret: str, grant_type: str, scope: str | None
) -> tuple[int, dict[str, Any]]:
    """Cognito's token endpoint for the client-credentials grant, which moto 5.2.5 lacks: the
    app client's id and secret, its `AllowedOAuthFlows` holding client_credentials, and the
    scopes asked for (all of its `AllowedOAuthScopes` when none are named) among those it allows.
    Answers (status, body) as Cognito does: an access token signed with the pool's key (moto's
    JWKS verifies it), `sub` and `client_id` the app client, `scope` the granted scopes."""
    import time
    import uuid

    from moto.cognitoidp import models

    if grant_type != "client_credentials":
        return 400, {"error": "unsupported_grant_type"}
    for backend in models.cognitoidp_backends.values():
        for region_backend in backend.values():
            for pool in region_backend.user_pools.values():
                client = pool.clients.get(client_id)
                if client is None:
                    continue
                config = client.extended_config
                if not client.generate_secret or client.secret != secret:
                    return 401, {"error": "invalid_client"}
                if "client_credentials" not in (config.get("AllowedOAuthFlows") or []):
                    return 400, {"error": "unauthorized_client"}
                allowed = list(config.get("AllowedOAuthScopes") or [])
                asked = scope.split() if scope else allowed
                if not asked or not set(asked) <= set(allowed):
                    return 400, {"error": "invalid_scope"}
                now = int(time.time())
                minutes = int(config.get("AccessTokenValidity") or 60)
                payload = {
                    "iss": f"https://cognito-idp.{pool.region}.amazonaws.com/{pool.id}",
                    "sub": client_id, "client_id": client_id, "token_use": "access",
                    "scope": " ".join(asked), "auth_time": now, "iat": now, "exp": now + minutes * 60,
                    "jti": str(uuid.uuid4()), "version": 2,
                }
                token = models.jwt.encode({"kid": "dummy", "alg": "RS256"}, payload, pool.json_web_key)
                return 200, {"access_token": token, "expires_in": minutes * 60, "token_type": "Bearer"}
    return 401, {"error": "invalid_client"}
