"""Polls the queues that template.yaml wires to functions (SQS event sources) and invokes the
functions with SQS events, honouring partial batch responses as Lambda's poller does; reads the
DynamoDB streams wired to functions (`DynamoDB` events) and invokes them with stream events; and
runs the functions' `Schedule` / `ScheduleV2` events, each with an EventBridge scheduled event when
it is due (`infra.local.schedules`: rate() from the start, cron() in UTC). Tests call `drain()` and
`run_schedules(now)` instead of waiting.

Streams, as Lambda's event source mapping: records in order, per shard, in batches of the event's
BatchSize after its FilterCriteria (`infra.local.event_filters`); a partial batch response
(ReportBatchItemFailures) moves the shard on to the first failed record, which comes again with
the rest of its batch; an error, or failures, more than MaximumRetryAttempts times in a row sends
a description of the batch to the OnFailure SQS destination and moves past it (no bisecting).
Where each shard is (the last sequence number handled) is kept in `positions` (a JSON file in the
local dir for `make run`, so a restart goes on where it stopped); without one, in memory, starting
at the stream's current end (`stream_start="LATEST"`) unless told otherwise.

Both are at-least-once, as on AWS: with the `duplicate` fault on (`infra.local.faults`), a batch
of messages or stream records is delivered twice, the second time as Lambda redelivers it after a
lost or timed-out invocation (the answer that counts is the second's).
"""

from __future__ import annotations

import json
import threading
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3

from infra.local import cfn, faults, schedules
from infra.local.event_filters import matches_any
from infra.local.events import dynamodb_stream_event, scheduled_event, sqs_event
from infra.local.functions import LocalFunction
from infra.local.provision import LocalStack

SCHEDULE_CHECK_SECONDS = 60  # the scheduler thread looks at least this often
STREAM_POLL_SECONDS = 0.5  # a stream with nothing new is read again after this
STREAM_READ_LIMIT = 1000  # records per GetRecords (DynamoDB Streams' maximum)


@dataclass
class StreamCursor:
    """Where one function is in one shard of a stream."""

    source: cfn.StreamSource
    arn: str
    shard: str
    after: str | None  # the last sequence number handled; None: at `start`
    start: str  # TRIM_HORIZON | LATEST: where a shard with no position begins
    iterator: str | None = None  # an iterator at the position (from the last read)
    failures: int = 0  # of the batch at the position, in a row
    lock: threading.Lock | None = None

    @property
    def name(self) -> str:
        return f"{self.source.function}.{self.source.event}|{self.arn}|{self.shard}"


@dataclass
class Schedule:
    source: cfn.ScheduleSource
    rule: timedelta | schedules.Cron
    arn: str
    due: datetime | None  # None: never again


class Dispatcher:
    def __init__(
        self,
        stack: LocalStack,
        template: dict[str, Any],
        functions: dict[str, LocalFunction],
        *,
        started: datetime | None = None,
        positions: Path | None = None,
        stream_start: str | None = None,
        streams: bool = True,
    ):
        self.stack = stack
        self.sources = cfn.sqs_sources(template)
        self.functions = functions
        self.redelivery_seconds: int | None = None  # None: a failed message waits out its visibility timeout
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.sqs = boto3.client("sqs", endpoint_url=stack.endpoint, region_name=stack.region)
        self.streams = boto3.client("dynamodbstreams", endpoint_url=stack.endpoint, region_name=stack.region)
        self.schedules = self._schedules(template, started or datetime.now(UTC))
        self._schedule_lock = threading.Lock()
        self.positions = positions
        self._positions_lock = threading.Lock()
        # streams=False: queues and schedules only (tests whose writes need no aggregating)
        start = stream_start or ("LATEST" if positions is None else None)
        self.cursors = self._cursors(template, start) if streams else []

    def start(self) -> None:
        for source in self.sources:
            t = threading.Thread(
                target=self._poll, args=(source,), daemon=True, name=f"sqs-{source.function}"
            )
            t.start()
            self.threads.append(t)
        for cursor in self.cursors:
            t = threading.Thread(
                target=self._follow, args=(cursor,), daemon=True, name=f"stream-{cursor.source.function}"
            )
            t.start()
            self.threads.append(t)
        if self.schedules:
            t = threading.Thread(target=self._run_schedules_forever, daemon=True, name="schedules")
            t.start()
            self.threads.append(t)

    def stop(self) -> None:
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=5)

    def poll_once(self, source: cfn.SqsSource, wait_seconds: int = 1) -> int:
        """Receives one batch and invokes the function; returns how many messages it handled."""
        url = self.stack.queue_urls[source.queue]
        arn = self.stack.resolver.attributes[source.queue]["Arn"]
        messages = self.sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=min(source.batch_size, 10),
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        try:
            result = self.functions[source.function].invoke(sqs_event(messages, arn, self.stack.region))
            if faults.duplicate():  # delivered again: the first invocation's answer was lost
                result = self.functions[source.function].invoke(sqs_event(messages, arn, self.stack.region))
        except Exception:  # the whole batch returns to the queue after its visibility timeout
            traceback.print_exc()
            self._redeliver(url, messages)
            return 0
        failed = set()
        if source.partial_failures and isinstance(result, dict):
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        done = [m for m in messages if m["MessageId"] not in failed]
        self._redeliver(url, [m for m in messages if m["MessageId"] in failed])
        for i in range(0, len(done), 10):
            self.sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]}
                    for n, m in enumerate(done[i : i + 10])
                ],
            )
        return len(messages)

    def _redeliver(self, url: str, messages: list[dict[str, Any]]) -> None:
        """Failed messages come back after the queue's visibility timeout, as on AWS; with
        `redelivery_seconds` set (tests: 0), after that many seconds instead."""
        if self.redelivery_seconds is None:
            return
        for m in messages:
            self.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"],
                                               VisibilityTimeout=self.redelivery_seconds)

    def drain(self, max_rounds: int = 50) -> int:
        """Processes what is queued and what the streams hold now (and what that causes),
        synchronously: tests use this instead of sleeping."""
        handled = 0
        for _ in range(max_rounds):
            n = sum(self.poll_once(source, wait_seconds=0) for source in self.sources)
            n += sum(self.read_stream_once(cursor) for cursor in self.cursors)
            handled += n
            if n == 0:
                break
        return handled

    # --------------------------------------------------------------------------- streams
    def _cursors(self, template: dict[str, Any], start: str | None) -> list[StreamCursor]:
        saved = self._load_positions()
        cursors = []
        for source in cfn.stream_sources(template):
            arn = self.stack.resolver.attributes[source.table]["StreamArn"]
            for shard in self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
                cursor = StreamCursor(source, arn, shard["ShardId"], None, start or source.starting_position,
                                      lock=threading.Lock())
                cursor.after = saved.get(cursor.name)
                if cursor.after is None:
                    cursor.iterator = self._iterator(cursor)  # LATEST: the end as it is now
                cursors.append(cursor)
        return cursors

    def _iterator(self, cursor: StreamCursor) -> str:
        where: dict[str, str] = (
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": cursor.after}
            if cursor.after is not None
            else {"ShardIteratorType": cursor.start}
        )
        return self.streams.get_shard_iterator(StreamArn=cursor.arn, ShardId=cursor.shard, **where)[
            "ShardIterator"
        ]

    def read_stream_once(self, cursor: StreamCursor) -> int:
        """Reads what the shard holds after the cursor and delivers it in batches; returns how
        many records the function was given, taken or not (0: nothing new). After a failed batch
        the cursor is before its first failed record (`cursor.failures` > 0): the next read gives
        it again."""
        assert cursor.lock is not None
        with cursor.lock:
            read = self.streams.get_records(
                ShardIterator=cursor.iterator or self._iterator(cursor), Limit=STREAM_READ_LIMIT
            )
            cursor.iterator = read.get("NextShardIterator")
            records = read["Records"]
            delivered = 0
            batch: list[dict[str, Any]] = []
            for record in records:
                if matches_any(cursor.source.patterns, record):
                    batch.append(record)
                if len(batch) == cursor.source.batch_size:
                    delivered += len(batch)
                    if not self._deliver(cursor, batch):
                        return delivered
                    batch = []
                cursor.after = record["dynamodb"]["SequenceNumber"]
            if batch:
                delivered += len(batch)
                if not self._deliver(cursor, batch):
                    return delivered
            if records:
                self._save_positions()
            return delivered

    def _deliver(self, cursor: StreamCursor, batch: list[dict[str, Any]]) -> bool:
        """Invokes the function with one batch; False if it did not take all of it (the cursor is
        then at the record before the first failed one, and the batch comes again), True also
        when the batch was given up on (sent to the OnFailure destination)."""
        source = cursor.source
        failed: set[str] = set()
        try:
            result = self.functions[source.function].invoke(
                dynamodb_stream_event(batch, cursor.arn, self.stack.region)
            )
            if faults.duplicate():  # delivered again: the first invocation's answer was lost
                result = self.functions[source.function].invoke(
                    dynamodb_stream_event(batch, cursor.arn, self.stack.region))
            if source.partial_failures and isinstance(result, dict):
                failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        except Exception:
            traceback.print_exc()
            failed = {batch[0]["dynamodb"]["SequenceNumber"]}
        if not failed:
            cursor.failures = 0
            return True
        first = next(i for i, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] in failed)
        cursor.failures += 1
        if 0 <= source.max_retries < cursor.failures:
            self._give_up(cursor, batch[first:])
            cursor.failures = 0
            cursor.after = batch[-1]["dynamodb"]["SequenceNumber"]
            return True
        if first:  # the records before the first failed one are done: a new batch starts there
            cursor.failures = 1
        # moto numbers a shard's records one after another: the one before is `sequence - 1`
        cursor.after = str(int(batch[first]["dynamodb"]["SequenceNumber"]) - 1)
        cursor.iterator = None
        self._save_positions()
        return False

    def _give_up(self, cursor: StreamCursor, records: list[dict[str, Any]]) -> None:
        """What Lambda sends the OnFailure destination: the batch's place in the stream."""
        source = cursor.source
        if source.on_failure is None:
            return
        body = {
            "requestContext": {"condition": "RetryAttemptsExhausted",
                               "approximateInvokeCount": cursor.failures},
            "DDBStreamBatchInfo": {
                "shardId": cursor.shard,
                "startSequenceNumber": records[0]["dynamodb"]["SequenceNumber"],
                "endSequenceNumber": records[-1]["dynamodb"]["SequenceNumber"],
                "batchSize": len(records),
                "streamArn": cursor.arn,
            },
            "function": source.function,
        }
        self.sqs.send_message(QueueUrl=self.stack.queue_urls[source.on_failure], MessageBody=json.dumps(body))

    def _load_positions(self) -> dict[str, str]:
        if self.positions is None or not self.positions.exists():
            return {}
        return dict(json.loads(self.positions.read_text()))

    def _save_positions(self) -> None:
        if self.positions is None:
            return
        from infra.local.persistence import write_atomically

        with self._positions_lock:
            saved = {c.name: c.after for c in self.cursors if c.after is not None}
            write_atomically(self.positions, json.dumps(saved, indent=1).encode())

    def _follow(self, cursor: StreamCursor) -> None:
        while not self.stopping.is_set():
            try:
                if not self.read_stream_once(cursor) or cursor.failures:  # a failed batch: wait, then again
                    self.stopping.wait(STREAM_POLL_SECONDS)
            except Exception:  # keep reading through transient endpoint errors
                if not self.stopping.is_set():
                    traceback.print_exc()
                    cursor.iterator = None
                    self.stopping.wait(1)

    def _poll(self, source: cfn.SqsSource) -> None:
        while not self.stopping.is_set():
            try:
                self.poll_once(source)
            except Exception:  # keep polling through transient endpoint errors
                if not self.stopping.is_set():
                    traceback.print_exc()
                    self.stopping.wait(1)

    # ------------------------------------------------------------------------- schedules
    def _schedules(self, template: dict[str, Any], started: datetime) -> list[Schedule]:
        account = self.stack.resolver.pseudo.get("AWS::AccountId", "123456789012")
        found = []
        for source in cfn.schedule_sources(template):
            rule = schedules.parse(source.expression)
            name = f"{self.stack.stack_name}-{source.function}-{source.event}"
            arn = (
                f"arn:aws:events:{self.stack.region}:{account}:rule/{name}"
                if source.kind == "Schedule"
                else f"arn:aws:scheduler:{self.stack.region}:{account}:schedule/default/{name}"
            )
            found.append(Schedule(source, rule, arn, schedules.next_due(rule, started)))
        return found

    def run_schedules(self, now: datetime | None = None) -> list[str]:
        """Invokes, synchronously, every schedule due at `now` (default: the clock), once even if
        several runs were missed, and moves each on to its next time after `now`. Returns the
        functions invoked (`"<function>.<event>"`), in template order."""
        now = now or datetime.now(UTC)
        account = self.stack.resolver.pseudo.get("AWS::AccountId", "123456789012")
        ran = []
        with self._schedule_lock:
            for schedule in self.schedules:
                if schedule.due is None or schedule.due > now:
                    continue
                source = schedule.source
                event = (
                    json.loads(source.input)
                    if source.input is not None
                    else scheduled_event(schedule.arn, schedule.due, self.stack.region, account)
                )
                schedule.due = schedules.next_due(schedule.rule, max(now, schedule.due))
                try:
                    self.functions[source.function].invoke(event)
                except Exception:  # EventBridge retries; locally the next run is the retry
                    traceback.print_exc()
                ran.append(f"{source.function}.{source.event}")
        return ran

    def _run_schedules_forever(self) -> None:
        while not self.stopping.is_set():
            try:
                self.run_schedules()
            except Exception:
                traceback.print_exc()
            due = [s.due for s in self.schedules if s.due is not None]
            wait = (min(due) - datetime.now(UTC)).total_seconds() if due else SCHEDULE_CHECK_SECONDS
            self.stopping.wait(min(max(wait, 0.05), SCHEDULE_CHECK_SECONDS))
