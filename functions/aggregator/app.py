"""Table stream (behaviour records only, FilterCriteria) -> totals, users' period and lifetime items."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from tanhui.observability import log_invocations, metrics
from tanhui.reductions import aggregator

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


class NotApplied(Exception):
    """The record's updates were not written; Lambda delivers it again."""


@log_invocations()
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    failed = aggregator.apply(event.get("Records", []))  # the whole batch, summed per item

    def record_handler(record: DynamoDBRecord) -> None:
        if record.dynamodb is not None and str(record.dynamodb.sequence_number) in failed:
            raise NotApplied(record.event_id)

    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
