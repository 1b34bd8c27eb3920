"""The queue and stream consumers, each the same way (`tanhui.sqs.batch_handler`, the aggregator's
typed records): a malformed message is reported failed and never handled (no crash, the others of
the batch go on), a job that fails on its queue's last delivery is marked failed before the
dead-letter queue takes the message, and every answer is a partial batch response."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tanhui import sqs
from tanhui.models.reductions import StreamMark
from tanhui.reductions import totals
from tanhui.reductions.deltas import local_day

EVENTS = Path(__file__).resolve().parents[2] / "events"
TICKET = {"kind": "ticket_product", "attributes": {"name": "西湖游船 Lake cruise"}}
MALFORMED = ("not json", "[]", json.dumps({"export_id": 7, "partner_id": "nothex", "import_range": {}}))


def sqs_event(*bodies: str | dict[str, Any], receives: int = 1) -> dict[str, Any]:
    """Records as Lambda hands them over, `m0`, `m1`… in order, on their `receives`th delivery."""
    return {"Records": [{
        "messageId": f"m{n}",
        "receiptHandle": f"r{n}",
        "body": body if isinstance(body, str) else json.dumps(body),
        "attributes": {"ApproximateReceiveCount": str(receives), "SentTimestamp": "1795341600000"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:queue",
        "awsRegion": "us-east-1",
    } for n, body in enumerate(bodies)]}


def failed(result: dict[str, Any]) -> list[str]:
    return [f["itemIdentifier"] for f in result["batchItemFailures"]]


CONSUMERS = {"CodeBatchFunction": sqs.BATCH_QUEUE, "ExportFunction": sqs.EXPORT_QUEUE,
             "ImportFunction": sqs.UPLOAD_QUEUE}


@pytest.mark.parametrize("function", sorted(CONSUMERS))
@pytest.mark.parametrize("body", MALFORMED, ids=["not-json", "not-an-object", "wrong-fields"])
def test_given_a_malformed_message_then_it_is_reported_failed_on_every_delivery_and_nothing_raises(
    functions, function, body
):
    for receives in range(1, CONSUMERS[function].max_receives + 1):  # then the dead-letter queue
        assert failed(functions[function].invoke(sqs_event(body, receives=receives))) == ["m0"]


# ------------------------------------------------------------------------------ print batches
def _print_batch(api, make_partner) -> tuple[Any, dict[str, Any]]:
    spot = make_partner("scenic_spot")
    asset = api.post("/v1/partner/assets", TICKET, as_=spot)
    assert asset.status == 201, asset.body
    batch = api.post("/v1/partner/code-batches", {"asset_id": asset.body["asset_id"], "count": 5}, as_=spot,
                     headers={"Idempotency-Key": str(uuid.uuid4())})
    assert batch.status == 202, batch.body  # queued: its one chunk is the message below
    chunk = {"partner_id": spot.partner_id, "batch_id": batch.body["batch_id"], "chunk": 1, "count": 5}
    return spot, chunk


def test_given_a_malformed_chunk_beside_a_good_one_then_only_it_fails_and_the_batch_is_printed(
    api, make_partner, functions
):
    spot, chunk = _print_batch(api, make_partner)
    result = functions["CodeBatchFunction"].invoke(sqs_event("{", chunk))
    assert failed(result) == ["m0"]
    batch = api.get(f"/v1/partner/code-batches/{chunk['batch_id']}", as_=spot).body
    assert (batch["status"], batch["codes_done"]) == ("done", 5), batch


# ------------------------------------------------------------------------------ exports
def _export(api, admin) -> str:
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    started = api.post("/v1/admin/exports", {"from": today, "to": today}, as_=admin)
    assert started.status == 202, started.body
    return str(started.body["export_id"])


def test_given_a_malformed_export_message_beside_a_good_one_then_only_it_fails_and_the_export_is_written(
    api, admin, functions
):
    export_id = _export(api, admin)
    result = functions["ExportFunction"].invoke(sqs_event({"export_id": ["x"]}, {"export_id": export_id}))
    assert failed(result) == ["m0"]
    assert api.get(f"/v1/admin/exports/{export_id}", as_=admin).body["status"] == "completed"


def test_given_an_export_failing_on_every_delivery_then_the_last_one_marks_it_failed(
    api, admin, functions, monkeypatch
):
    from tanhui.exports import jobs

    export_id = _export(api, admin)

    def bucket_down(_export_id: str) -> bool:
        raise RuntimeError("S3 is unavailable")

    monkeypatch.setattr(jobs, "process", bucket_down)
    for receives in range(1, sqs.EXPORT_QUEUE.max_receives + 1):
        reply = functions["ExportFunction"].invoke(sqs_event({"export_id": export_id}, receives=receives))
        assert failed(reply) == ["m0"]
        export = api.get(f"/v1/admin/exports/{export_id}", as_=admin).body
        last = receives == sqs.EXPORT_QUEUE.max_receives
        assert (export["status"] == "failed") is last, (receives, export)
    assert "dead-letter" in export["error"]


# ------------------------------------------------------------------------------ partner files
def _import(api, make_partner) -> tuple[Any, dict[str, Any]]:
    hotel = make_partner("hotel")
    created = api.post("/v1/partner/imports", {"type": "hotel_stays", "filename": "stays.csv"}, as_=hotel)
    assert created.status == 201, created.body
    return hotel, created.body


def test_given_a_malformed_upload_message_beside_good_ones_then_only_it_fails(api, make_partner, functions):
    hotel, created = _import(api, make_partner)
    queued = {"import_range": {"partner_id": hotel.partner_id, "import_id": created["import_id"], "range": 0}}
    result = functions["ImportFunction"].invoke(
        sqs_event({"import_range": {"range": "first"}}, {"Event": "s3:TestEvent"}, queued)
    )
    assert failed(result) == ["m0"]  # the range of an import not yet uploaded: nothing to do, done
    job = api.get(f"/v1/partner/imports/{created['import_id']}", as_=hotel).body
    assert job["status"] == "awaiting_upload", job


def test_given_a_range_failing_on_every_delivery_then_the_last_one_marks_the_import_failed(
    api, make_partner, functions, monkeypatch
):
    from tanhui.imports import jobs

    hotel, created = _import(api, make_partner)
    queued = {"import_range": {"partner_id": hotel.partner_id, "import_id": created["import_id"], "range": 3}}

    def worker_lost(*_args: Any) -> bool:
        raise RuntimeError("the worker lost its connection")

    monkeypatch.setattr(jobs, "process_range", worker_lost)
    for receives in range(1, sqs.UPLOAD_QUEUE.max_receives + 1):
        assert failed(functions["ImportFunction"].invoke(sqs_event(queued, receives=receives))) == ["m0"]
        job = api.get(f"/v1/partner/imports/{created['import_id']}", as_=hotel).body
        assert (job["status"] == "failed") is (receives == sqs.UPLOAD_QUEUE.max_receives), (receives, job)
    assert job["reason_code"] == "processing_failed", job
    assert job["reason"].startswith("第 3 段数据多次处理失败"), job  # Chinese first
    path = f"/v1/partner/imports/{created['import_id']}"
    english = api.get(path, as_=hotel, headers={"accept-language": "en"})
    assert "Range 3" in english.body["reason"], english.body


# ------------------------------------------------------------------------------ the table stream
def test_given_a_malformed_stream_record_beside_a_good_one_then_only_it_fails_and_is_not_applied(functions):
    event = json.loads((EVENTS / "aggregator" / "behaviour_credited.json").read_text())
    [good] = event["Records"]
    good["eventID"] = uuid.uuid4().hex
    image = good["dynamodb"]["NewImage"]
    image.pop("user_id")  # credits no user: a partner's totals only, counted by its marker
    partners = [uuid.uuid4().hex[:6].upper() for _ in range(2)]
    image["partner_id"] = {"S": partners[0]}
    bad = json.loads(json.dumps(good))
    bad["eventID"], bad["eventName"] = uuid.uuid4().hex, "UPSERT"  # no such stream event
    bad["dynamodb"]["NewImage"]["partner_id"] = {"S": partners[1]}
    bad["dynamodb"]["SequenceNumber"] = str(int(good["dynamodb"]["SequenceNumber"]) + 1)
    event["Records"] = [good, bad]
    day = local_day({"occurred_at": image["occurred_at"]["S"]})

    for _ in range(2):  # delivered, then again from the failed record on
        assert failed(functions["AggregatorFunction"].invoke(event)) == [bad["dynamodb"]["SequenceNumber"]]

    counted = [totals.query(day, day, "behaviour", partner_id=p).totals.count for p in partners]
    assert counted == [1, 0]
    assert StreamMark.get(*StreamMark.key(good["eventID"])).expires_at > 0
