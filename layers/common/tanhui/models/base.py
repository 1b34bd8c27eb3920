"""PynamoDB base for the single table declared in template.yaml (`Table`).

The schema (keys, GSIs, TTL) lives only in the template; these models describe items, never
create tables. Keys are prefixed strings: `pk`/`sk`, plus `gsi1pk`/`gsi1sk` for the one GSI.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model


def utc_now() -> str:
    """UTC ISO-8601 with `Z`, millisecond precision: sorts as text."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class TableMeta:
    table_name = os.environ.get("TABLE_NAME", "tanhui")
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "cn-north-1"
    host = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or os.environ.get("AWS_ENDPOINT_URL")
    connect_timeout_seconds = 3
    read_timeout_seconds = 10
    max_retry_attempts = 3


class Gsi1(GlobalSecondaryIndex):
    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class TanhuiModel(Model):
    class Meta(TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    expires_at = NumberAttribute(null=True)
