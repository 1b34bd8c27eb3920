"""Polls the queues that template.yaml wires to functions (SQS event sources) and invokes the
functions with SQS events, honouring partial batch responses as Lambda's poller does."""

from __future__ import annotations

import threading
import traceback
from typing import Any

import boto3

from infra.local import cfn
from infra.local.events import sqs_event
from infra.local.functions import LocalFunction
from infra.local.provision import LocalStack


class Dispatcher:
    def __init__(
        self, stack: LocalStack, template: dict[str, Any], functions: dict[str, LocalFunction]
    ):
        self.stack = stack
        self.sources = cfn.sqs_sources(template)
        self.functions = functions
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.sqs = boto3.client("sqs", endpoint_url=stack.endpoint, region_name=stack.region)

    def start(self) -> None:
        for source in self.sources:
            t = threading.Thread(
                target=self._poll, args=(source,), daemon=True, name=f"sqs-{source.function}"
            )
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
