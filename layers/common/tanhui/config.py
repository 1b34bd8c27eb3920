"""Settings parsed once from the environment (names as in template.yaml's Globals)."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, ConfigDict


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    table_name: str
    audit_log_table_name: str = ""  # the operators' action log (tanhui.supervision)
    region: str = "cn-north-1"
    # DynamoDB's endpoint where it is not AWS's (botocore's AWS_ENDPOINT_URL_DYNAMODB or
    # AWS_ENDPOINT_URL: the local stack's moto server)
    dynamodb_endpoint: str | None = None
    user_pool_id: str = ""
    user_pool_client_id: str = ""
    code_keys_secret_id: str = ""
    peer_network_key_secret_id: str = ""  # the network's shared de-duplication key (claims.peers)
    peer_token_url: str = ""  # where peers get client-credentials tokens (the pool domain's /oauth2/token)
    upload_bucket: str = ""
    upload_queue_url: str = ""
    batch_bucket: str = ""
    batch_queue_url: str = ""
    export_bucket: str = ""
    export_queue_url: str = ""
    personal_data_bucket: str = ""  # copies of a person's data (tanhui.rights)
    web_bucket: str = ""  # the web app (H5); the code's page reads its index.html
    code_base_url: str = "HTTPS://QR.TANHUI.CN"
    auto_confirm_users: bool = False
    max_body_bytes: int = 64 * 1024
    # Age of the per-container metadata cache (assets, factors, partner names): also how long a
    # retired/revoked asset or a revoked batch may still be claimed on a warm container.
    metadata_cache_seconds: float = 60.0
    rotating_step_seconds: int = 30
    # the app client's RefreshTokenValidity (days): the Max-Age of the refresh cookie
    refresh_token_days: int = 30

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    env = os.environ
    values = {name: env[name.upper()] for name in Settings.model_fields if name.upper() in env}
    values.setdefault(
        "region", env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "cn-north-1"
    )
    endpoint = env.get("AWS_ENDPOINT_URL_DYNAMODB") or env.get("AWS_ENDPOINT_URL")
    if endpoint:
        values.setdefault("dynamodb_endpoint", endpoint)
    return Settings.model_validate(values)
