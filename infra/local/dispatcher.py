"""Polls the queues that template.yaml wires to functions (SQS event sources) and invokes the
functions with SQS events, honouring partial batch responses as Lambda's poller does; and runs
the functions' `Schedule` / `ScheduleV2` events, each with an EventBridge scheduled event when it
is due (`infra.local.schedules`: rate() from the start, cron() in UTC). Tests call `drain()` and
`run_schedules(now)` instead of waiting."""

from __future__ import annotations

import json
import threading
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from infra.local import cfn, schedules
from infra.local.events import scheduled_event, sqs_event
from infra.local.functions import LocalFunction
from infra.local.provision import LocalStack

SCHEDULE_CHECK_SECONDS = 60  # the scheduler thread looks at least this often


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
    ):
        self.stack = stack
        self.sources = cfn.sqs_sources(template)
        self.functions = functions
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.sqs = boto3.client("sqs", endpoint_url=stack.endpoint, region_name=stack.region)
        self.schedules = self._schedules(template, started or datetime.now(UTC))
        self._schedule_lock = threading.Lock()

    def start(self) -> None:
        for source in self.sources:
            t = threading.Thread(
                target=self._poll, args=(source,), daemon=True, name=f"sqs-{source.function}"
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
            result = self.functions[source.function].invoke(
                sqs_event(messages, arn, self.stack.region)
            )
        except Exception:  # the whole batch returns to the queue after its visibility timeout
            traceback.print_exc()
            return 0
        failed = set()
        if source.partial_failures and isinstance(result, dict):
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        done = [m for m in messages if m["MessageId"] not in failed]
        for i in range(0, len(done), 10):
            self.sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]}
                    for n, m in enumerate(done[i : i + 10])
                ],
            )
        return len(messages)

    def drain(self, max_rounds: int = 50) -> int:
        """Processes what is queued now, synchronously (tests use this instead of sleeping)."""
        handled = 0
        for _ in range(max_rounds):
            n = sum(self.poll_once(source, wait_seconds=0) for source in self.sources)
            handled += n
            if n == 0:
                break
        return handled

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
