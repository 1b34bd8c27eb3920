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


def download_link(bucket: str, key: str, seconds: int, filename: str) -> str:
    """A presigned GET of an S3 object that a browser saves as `filename` (the answer carries
    `Content-Disposition: attachment`), whatever page links it: a console cannot fetch() another
    origin under its CSP, and `<a download>` is ignored across origins. `filename` is ASCII."""
    disposition = f'attachment; filename="{filename}"'
    return str(client("s3").generate_presigned_url(
        "get_object",
        Params={"Bucket": bucket, "Key": key, "ResponseContentDisposition": disposition},
        ExpiresIn=seconds,
    ))
