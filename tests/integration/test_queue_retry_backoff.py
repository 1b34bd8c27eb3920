"""A failed queue record comes back within seconds, not after the queue's visibility timeout
(30 or 90 minutes, sized for the longest job): `tanhui.sqs` sets its visibility to 10 s, 20 s,
40 s… before its last delivery; on the last one the job gives up instead."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tanhui import sqs
from tanhui.config import get_settings

from infra.local import faults
from tests.integration.test_queue_consumers import failed, sqs_event

NOTIFICATION = {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Post",
                             "s3": {"bucket": {"name": "uploads"},
                                    "object": {"key": "partners/ABCDEF/hotel_stays/01ABC/file.csv",
                                               "size": 10, "versionId": "v1"}}}]}


class _Sqs:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def change_message_visibility(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


@pytest.mark.parametrize(("receives", "seconds"), [(1, 10), (2, 20), (4, 80)])
def test_given_a_file_that_met_s3_trouble_then_it_comes_back_after_a_short_backoff(
        functions, monkeypatch, receives, seconds):
    recorded = _Sqs()
    monkeypatch.setattr(sqs, "client", lambda _service: recorded)
    with faults.scripted(s3=1):
        result = functions["ImportFunction"].invoke(sqs_event(json.dumps(NOTIFICATION), receives=receives))
    assert failed(result) == ["m0"]
    assert recorded.calls == [{"QueueUrl": get_settings().upload_queue_url, "ReceiptHandle": "r0",
                               "VisibilityTimeout": seconds}]


def test_given_the_last_delivery_then_no_backoff_the_dead_letter_queue_takes_it(functions, monkeypatch):
    recorded = _Sqs()
    monkeypatch.setattr(sqs, "client", lambda _service: recorded)
    with faults.scripted(s3=1):
        result = functions["ImportFunction"].invoke(
            sqs_event(json.dumps(NOTIFICATION), receives=sqs.UPLOAD_QUEUE.max_receives))
    assert failed(result) == ["m0"] and recorded.calls == []


def test_given_many_deliveries_then_the_backoff_stops_at_fifteen_minutes():
    assert [sqs.UPLOAD_QUEUE.retry_after(n) for n in (1, 2, 3, 7, 20)] == [10, 20, 40, 640, 900]
