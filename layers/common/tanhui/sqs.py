"""The Lambda handler of a function fed by an SQS queue, in one place.

`batch_handler(record_handler)` runs every record of the event through `record_handler` (one
`SQSRecord` in, nothing out; raising marks that record failed) and answers the partial batch
response, so only the failed records come back (and, after the queue's maxReceiveCount, go to its
dead-letter queue). Each invocation's log lines name the function (`observability.log_invocations`)
and the metrics are flushed on every invocation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from tanhui.observability import log_invocations, metrics

RecordHandler = Callable[[SQSRecord], None]


def batch_handler(
    record_handler: RecordHandler,
) -> Callable[[dict[str, Any], LambdaContext], PartialItemFailureResponse]:
    processor = BatchProcessor(event_type=EventType.SQS)

    @log_invocations()
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
        return process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )

    return lambda_handler
