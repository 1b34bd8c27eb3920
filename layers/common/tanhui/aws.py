"""boto3 clients, created once per container.

Endpoints follow botocore's own `AWS_ENDPOINT_URL` setting, so the same code talks to moto
locally and to AWS when deployed.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from tanhui.config import get_settings


@cache
def client(service: str) -> Any:
    # boto3 (and s3transfer behind it) is imported on first use, not at cold start: the claim
    # path talks to DynamoDB through PynamoDB's botocore client.
    import boto3
    from botocore.config import Config

    config = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=10)
    return boto3.client(service, region_name=get_settings().region, config=config)
