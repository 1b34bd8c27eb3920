"""The Lambda handler of a function fed by an SQS queue, in one place.

    lambda_handler = sqs.batch_handler(print_chunk, model=ChunkJob, queue=sqs.BATCH_QUEUE,
                                       give_up=on_last_delivery)

Each record's body is parsed (JSON) into `model` (a pydantic model, or a union of them) and the
record handler gets the typed message; it returns nothing, and raising marks that record failed.
Every invocation answers a partial batch response (`batchItemFailures`: only the failed records
come back), never a function error, even when every record failed. A record fails in one of two ways:

- its body does not parse (a *malformed message*): logged with what is wrong where (field and
  problem, not the values), counted (`MalformedMessage`), never given to the record handler. No
  job can be named from it, so there is nothing to mark failed: the queue delivers it again until
  its maxReceiveCount, then moves it to its dead-letter queue (alarmed), where the body waits to be
  looked at. A bounded, quiet path: the other records of the batch go on.
- the record handler raised: logged with the exception; on the queue's last delivery
  (`Queue.max_receives`, its RedrivePolicy.maxReceiveCount) `give_up(message, GIVE_UP)` runs first,
  what the job does when it stops (an import, an export or a print batch marked failed, saying
  why), so that nobody waits on a job the dead-letter queue holds. Before that last delivery the
  record comes back sooner than the queue's visibility timeout (30 or 90 minutes, sized for the
  longest job): its visibility is set to `Queue.retry_after(receives)` — 10 s, 20 s, 40 s… up to
  15 minutes — so a file that met a moment's S3 or DynamoDB trouble is imported again within
  seconds, not half an hour later.

Each queue's maxReceiveCount is written once, in `QUEUES`, and tests/unit/test_queues.py checks it
against template.yaml's RedrivePolicy and that each consumer is wired to the queue its event source
reads. Each invocation's log lines name the function (`observability.log_invocations`) and the
metrics are flushed on every invocation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import TypeAdapter, ValidationError

from tanhui import errors
from tanhui.aws import client
from tanhui.config import get_settings
from tanhui.observability import log_invocations, logger, metrics


@dataclass(frozen=True, slots=True)
class Queue:
    """A queue of template.yaml that a function consumes."""

    name: str  # its logical id
    max_receives: int  # its RedrivePolicy.maxReceiveCount: the last delivery before the dead-letter queue
    url_setting: str  # the `config.Settings` field that holds its URL (template.yaml's Globals)

    def retry_after(self, receives: int) -> int:
        """Seconds before a failed record comes back: doubling from RETRY_FIRST_SECONDS."""
        return min(RETRY_MAX_SECONDS, RETRY_FIRST_SECONDS * 2 ** max(0, receives - 1))


RETRY_FIRST_SECONDS = 10
RETRY_MAX_SECONDS = 900
UPLOAD_QUEUE = Queue("UploadQueue", 5, "upload_queue_url")  # partner files' notifications and byte ranges
BATCH_QUEUE = Queue("BatchQueue", 3, "batch_queue_url")  # print batches' chunks
EXPORT_QUEUE = Queue("ExportQueue", 3, "export_queue_url")  # ledger exports
QUEUES = (UPLOAD_QUEUE, BATCH_QUEUE, EXPORT_QUEUE)

GIVE_UP = "failed on every delivery and went to the dead-letter queue"

RecordHandler = Callable[[Any], None]  # the typed message
GiveUp = Callable[[Any, str], None]  # the typed message, why


class MalformedMessage(Exception):
    """A body that is not JSON or not the queue's message: reported failed, never handled."""


def batch_handler(
    record_handler: RecordHandler,
    *,
    model: Any,
    queue: Queue,
    give_up: GiveUp | None = None,
) -> Callable[[dict[str, Any], LambdaContext], PartialItemFailureResponse]:
    """The Lambda handler for `queue`'s consumer: each body parsed as `model`, then handled."""
    messages: TypeAdapter[Any] = TypeAdapter(model)
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

    def handle(record: SQSRecord) -> None:
        receives = int(record.attributes.get("ApproximateReceiveCount") or 1)  # absent in sample events
        where = {"queue": queue.name, "message_id": record.message_id, "receives": receives,
                 "last_delivery": receives >= queue.max_receives}
        try:
            message = messages.validate_json(record.body)
        except ValidationError as exc:
            problems = errors.validation_details(exc.errors())[:10]  # fields and problems, no values
            logger.error("malformed message: not handled, the dead-letter queue keeps it after its "
                         "last delivery", extra=where | {"problems": problems})
            metrics.add_metric(name="MalformedMessage", unit=MetricUnit.Count, value=1)
            raise MalformedMessage(record.message_id) from None
        try:
            record_handler(message)
        except Exception:
            logger.exception("message failed", extra=where)
            if where["last_delivery"]:
                if give_up is not None:
                    _give_up(give_up, message, where)
            else:
                _retry_later(queue, record, receives)
            raise

    @log_invocations()
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
        return process_partial_response(
            event=event, record_handler=handle, processor=processor, context=context
        )

    lambda_handler.queue = queue  # type: ignore[attr-defined]  # what tests/unit/test_queues.py reads
    return lambda_handler


def _retry_later(queue: Queue, record: SQSRecord, receives: int) -> None:
    """The record comes back after `queue.retry_after(receives)` seconds; if the queue cannot be
    told, after its visibility timeout, as it would anyway."""
    url = getattr(get_settings(), queue.url_setting)
    if not url or not record.receipt_handle:
        return
    try:
        client("sqs").change_message_visibility(
            QueueUrl=url, ReceiptHandle=record.receipt_handle, VisibilityTimeout=queue.retry_after(receives))
    except Exception:
        logger.warning("message visibility not shortened", extra={"queue": queue.name}, exc_info=True)


def _give_up(give_up: GiveUp, message: Any, where: dict[str, Any]) -> None:
    """The job stops here; if even that fails, the record still goes to the dead-letter queue."""
    try:
        give_up(message, GIVE_UP)
    except Exception:
        logger.exception("giving up on the message failed", extra=where)
