"""Code-signing keys from Secrets Manager, cached per container (`tanhui.cache`, 5 minutes).

Secret formats (JSON):
    flat, as template.yaml's GenerateSecretString creates it:  {"active_kid": 1, "k1": "<key>"}
    nested, after rotations:  {"active_kid": 2, "keys": {"1": "<key>", "2": "<key>"},
                               "retired": [1]}
The active kid signs; every other listed kid still verifies; a kid that is listed in `retired`
or absent is refused. See docs/developers/architecture.md, "Rotating code-signing keys".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from tanhui import cache
from tanhui.aws import client
from tanhui.config import get_settings
from tanhui.observability import logger

CACHE_KEY = "code-signing keyring"
CACHE_SECONDS = 300.0
UNKNOWN_KID_REFRESH_SECONDS = 30.0
MIN_KEY_BYTES = 32


class KeyringError(RuntimeError):
    """The secret is missing or malformed: an operator error, never a client one."""


@dataclass(frozen=True)
class Keyring:
    active_kid: int
    keys: dict[int, bytes]
    retired: frozenset[int] = field(default_factory=frozenset)

    def signing_key(self) -> tuple[int, bytes]:
        return self.active_kid, self.keys[self.active_kid]

    def verifying_key(self, kid: int) -> bytes | None:
        if kid in self.retired:
            return None
        return self.keys.get(kid)


def parse_secret(text: str) -> Keyring:
    try:
        doc = json.loads(text)
        active = int(doc["active_kid"])
        if isinstance(doc.get("keys"), dict):
            raw = {int(k): v for k, v in doc["keys"].items()}
        else:
            raw = {int(k[1:]): v for k, v in doc.items() if k[:1] == "k" and k[1:].isdigit()}
        retired = frozenset(int(k) for k in doc.get("retired", ()))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise KeyringError("code-signing secret is not valid JSON of the documented shape") from exc
    keys = {kid: str(v).encode() for kid, v in raw.items() if 1 <= kid <= 255}
    if any(len(k) < MIN_KEY_BYTES for k in keys.values()):
        raise KeyringError(f"code-signing keys must be at least {MIN_KEY_BYTES} bytes")
    if active not in keys or active in retired:
        raise KeyringError("active_kid must name a listed, non-retired key")
    return Keyring(active, keys, retired)


def _load() -> Keyring:
    secret_id = get_settings().code_keys_secret_id
    if not secret_id:
        raise KeyringError("CODE_KEYS_SECRET_ID is not set")
    value = client("secretsmanager").get_secret_value(SecretId=secret_id)
    ring = parse_secret(value["SecretString"])
    logger.debug("code-signing keys loaded", extra={"active_kid": ring.active_kid})
    return ring


def keyring(*, max_age: float = CACHE_SECONDS) -> Keyring:
    """The keyring, read from the secret at most every `max_age` seconds (`tanhui.cache`)."""
    ring: Keyring = cache.cached(CACHE_KEY, _load, max_age=max_age)
    return ring


def verifying_key(kid: int) -> bytes | None:
    """Key lookup for `token.verify`. An unknown kid re-reads the secret (at most every 30 s),
    so a key added by rotation verifies before the cache would expire."""
    ring = keyring()
    key = ring.verifying_key(kid)
    if key is None and kid not in ring.retired:
        key = keyring(max_age=UNKNOWN_KID_REFRESH_SECONDS).verifying_key(kid)
    return key


def clear_cache() -> None:
    cache.forget(CACHE_KEY)
