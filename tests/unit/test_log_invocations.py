"""Every line an invocation logs names its function, and carries its own correlation id or none:
never the one of an invocation before it (HTTP then SQS, with and without a request id), nor of
one running at the same time in another thread (the local stack's functions share a process)."""

from __future__ import annotations

import json
import logging
import threading

import pytest
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from tanhui import api, sqs
from tanhui.observability import logger

from infra.local.events import http_event
from infra.local.functions import LambdaContext

app = APIGatewayHttpResolver(enable_validation=True, serializer=api.to_json)
api.install(app, allow=(api.PUBLIC,))
entered, release = threading.Event(), threading.Event()


@app.get("/note")
def note() -> dict:
    logger.warning("noted")
    return {}


@app.get("/wait")
def wait() -> dict:
    entered.set()
    release.wait(5)
    logger.warning("waited")
    return {}


http = api.lambda_handler(app)


def _record(message: dict) -> None:
    logger.warning("record seen")


queue = sqs.batch_handler(_record, model=dict, queue=sqs.BATCH_QUEUE)


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logger.registered_formatter)
        self.lines: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))

    def by_message(self) -> dict[str, dict]:
        return {line["message"]: line for line in self.lines}


@pytest.fixture
def logged():
    lines, ours = _Lines(), logging.getLogger(logger.name)
    ours.addHandler(lines)
    yield lines
    ours.removeHandler(lines)


def _get(path: str, request_id: str | None) -> dict:
    event = http_event("GET", path, route_key=f"GET {path}")
    if request_id is None:
        event["requestContext"].pop("requestId", None)
    else:
        event["requestContext"]["requestId"] = request_id
    return event


SQS_EVENT = {"Records": [{"messageId": "m1", "receiptHandle": "r", "body": "{}", "attributes": {},
                          "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                          "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
                          "awsRegion": "us-east-1"}]}


def test_given_http_call_with_request_id_when_sqs_then_http_without_one_then_no_line_carries_it(logged):
    assert http(_get("/note", "req-first"), LambdaContext("PartnerFunction"))["statusCode"] == 200
    first = logged.by_message()["noted"]
    assert (first["function_name"], first["correlation_id"]) == ("PartnerFunction", "req-first")

    logged.lines.clear()
    assert queue(SQS_EVENT, LambdaContext("CodeBatchFunction")) == {"batchItemFailures": []}
    http(_get("/note", None), LambdaContext("ClaimsFunction"))

    lines = logged.by_message()
    assert lines["record seen"]["function_name"] == "CodeBatchFunction"
    assert lines["noted"]["function_name"] == "ClaimsFunction"
    assert not [line for line in logged.lines if "correlation_id" in line]
    assert all(line.get("function_name") for line in logged.lines)


def test_given_two_functions_in_two_threads_then_each_line_has_its_own_function_and_id(logged):
    entered.clear()
    release.clear()
    slow = threading.Thread(target=http, args=(_get("/wait", "req-slow"), LambdaContext("AdminFunction")))
    slow.start()
    assert entered.wait(5)
    http(_get("/note", "req-quick"), LambdaContext("IdentityFunction"))  # runs while the other waits
    release.set()
    slow.join(5)

    who = {m: (line["function_name"], line["correlation_id"]) for m, line in logged.by_message().items()}
    assert who == {"noted": ("IdentityFunction", "req-quick"), "waited": ("AdminFunction", "req-slow")}
