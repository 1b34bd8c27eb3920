"""JWT tricks against the local gateway's authorizer (as the HTTP API's JWT authorizer): every
one of them is 401 in the JSON error shape. Tokens that need a valid signature are signed with the
pool's own key (moto's), so only the claim being tested is wrong: those run on the local stack only
(a deployed pool's key is secret); the tampered, unsigned and re-signed ones run against a deployed
stack too (`make e2e-remote`), where HTTP API's authorizer answers its own 401."""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import os
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from jwt.algorithms import RSAAlgorithm
from tanhui.config import get_settings

from tests.e2e import remote

SIGNS = pytest.mark.local_only("signs tokens with the pool's private key, which only moto's pool gives away")


def _moto_jwk(name: str) -> dict[str, Any]:
    import moto.cognitoidp

    path = Path(moto.cognitoidp.__file__).parent / "resources" / f"{name}.json.gz"
    return json.loads(gzip.decompress(path.read_bytes()))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segments(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())


@pytest.fixture(scope="module")
def signing() -> tuple[Any, str]:
    private = _moto_jwk("jwks-private")
    return RSAAlgorithm.from_jwk(json.dumps(private)), private["kid"]


@pytest.fixture
def victim(http) -> Any:
    return remote.tourist(http)


def _signed(signing: tuple[Any, str], claims: dict[str, Any]) -> str:
    key, kid = signing
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def _forged(victim: Any, signing: tuple[Any, str], case: str) -> str:
    now, claims = int(time.time()), dict(victim.claims)
    kid = jwt.get_unverified_header(victim.access_token)["kid"]
    if case == "expired":
        return _signed(signing, claims | {"iat": now - 7200, "exp": now - 3600})
    if case == "not_yet_valid":
        return _signed(signing, claims | {"iat": now + 3600, "nbf": now + 3600, "exp": now + 7200})
    if case == "wrong_issuer":
        other_pool = get_settings().issuer.rsplit("/", 1)[0] + "/us-east-1_Other"
        return _signed(signing, claims | {"iss": other_pool})
    if case == "wrong_client":
        return _signed(signing, claims | {"client_id": "someotherclientid"})
    if case == "admin_group_added":  # tampered payload, original signature
        header, _, signature = victim.access_token.split(".")
        payload = _b64(json.dumps(claims | {"cognito:groups": ["admin"]}).encode())
        return f"{header}.{payload}.{signature}"
    if case == "alg_none":
        return _segments({"alg": "none", "kid": kid, "typ": "JWT"}, claims) + "."
    if case == "hs256_with_public_key":
        public = RSAAlgorithm.from_jwk(json.dumps(_moto_jwk("jwks-public")["keys"][0]))
        pem = public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)  # type: ignore[union-attr]
        body = _segments({"alg": "HS256", "kid": kid, "typ": "JWT"}, claims)
        return body + "." + _b64(hmac.new(pem, body.encode(), hashlib.sha256).digest())
    if case == "random_signature":
        header, payload, _ = victim.access_token.split(".")
        return f"{header}.{payload}.{_b64(os.urandom(256))}"
    raise AssertionError(case)


FORGED = [*(pytest.param(case, marks=SIGNS) for case in (
    "expired", "not_yet_valid", "wrong_issuer", "wrong_client", "hs256_with_public_key")),
    "admin_group_added", "alg_none", "random_signature"]


def _refused(http: Any, token: str, path: str = "/v1/me") -> None:
    status, body, _ = http.get(path, token=token)
    assert status == 401 and remote.gateway_error(body, "unauthorized"), body
    assert "message" in body or set(body["error"]) >= {"code", "message", "request_id"}


def test_given_the_victims_real_access_token_then_200_so_the_refusals_below_are_about_the_trick(http, victim):
    assert http.get("/v1/me", token=victim.access_token)[0] == 200


@SIGNS
def test_given_a_token_of_the_same_claims_signed_by_our_signer_then_200_our_signer_is_the_pools(
    http, victim, signing
):
    same_claims = _signed(signing, dict(victim.claims))
    assert http.get("/v1/me", token=same_claims)[0] == 200


@pytest.mark.parametrize("case", FORGED)
def test_given_forged_or_altered_access_token_then_401(http, victim, signing, case):
    _refused(http, _forged(victim, signing, case))
    _refused(http, _forged(victim, signing, case), "/v1/me/wallet")


def test_given_id_or_refresh_token_as_bearer_then_401(http, victim):
    status, tokens, _ = http.post("/v1/auth/login", {"phone": victim.phone, "password": victim.password})
    assert status == 200, tokens
    _refused(http, tokens["id_token"])
    _refused(http, tokens["refresh_token"])
