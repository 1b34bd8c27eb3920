"""Builds the events Lambda receives: API Gateway HTTP API (payload v2), SQS, DynamoDB streams and
EventBridge schedules."""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from datetime import UTC, datetime
from typing import Any

TEXT_TYPES = ("text/", "application/json", "application/xml", "application/x-www-form-urlencoded")


def flatten_claims(claims: dict[str, Any]) -> dict[str, str]:
    """API Gateway hands JWT claims to the function as strings; arrays become "[a b]"."""
    out = {}
    for k, v in claims.items():
        out[k] = "[" + " ".join(str(x) for x in v) + "]" if isinstance(v, list) else str(v)
    return out


def http_event(
    method: str,
    path: str,
    *,
    route_key: str,
    path_parameters: dict[str, str] | None = None,
    query: dict[str, list[str]] | None = None,
    raw_query: str = "",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    claims: dict[str, Any] | None = None,
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    now = datetime.now(UTC)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": headers.get("host", "127.0.0.1"),
            "domainPrefix": "local",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": route_key,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if "cookie" in headers:  # as HTTP API (payload 2.0) does: the Cookie header becomes `cookies`
        cookie = headers.pop("cookie")
        event["cookies"] = [c.strip() for c in cookie.split(";") if c.strip()]
    if query:
        event["queryStringParameters"] = {k: ",".join(v) for k, v in query.items()}
    if path_parameters:
        event["pathParameters"] = path_parameters
    if claims is not None:
        event["requestContext"]["authorizer"] = {
            "jwt": {"claims": flatten_claims(claims), "scopes": None}
        }
    if body:
        content_type = headers.get("content-type", "")
        if content_type.startswith(TEXT_TYPES):
            try:
                event["body"] = body.decode()
            except UnicodeDecodeError:
                event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
        else:
            event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
    return event


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    records = []
    for m in messages:
        records.append(
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {})
                | {"SentTimestamp": str(int(time.time() * 1000))},
                "messageAttributes": m.get("MessageAttributes", {}),
                "md5OfBody": m.get("MD5OfBody") or hashlib.md5(m["Body"].encode()).hexdigest(),  # noqa: S324
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
        )
    return {"Records": records}


def dynamodb_stream_event(records: list[dict[str, Any]], stream_arn: str, region: str) -> dict[str, Any]:
    """Records as DynamoDB Streams' GetRecords returns them (boto3), as Lambda hands them over:
    the creation time in epoch seconds, the stream's ARN and region on each."""
    out = []
    for r in records:
        stream = dict(r["dynamodb"])
        created = stream.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            stream["ApproximateCreationDateTime"] = int(created.timestamp())
        out.append(
            {
                "eventID": r["eventID"],
                "eventName": r["eventName"],
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": region,
                "dynamodb": stream,
                "eventSourceARN": stream_arn,
            }
        )
    return {"Records": out}


def scheduled_event(rule_arn: str, at: datetime, region: str, account: str) -> dict[str, Any]:
    """What EventBridge sends a function on a schedule (`time` is when it was due)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    }
