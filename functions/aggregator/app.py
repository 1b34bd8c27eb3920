"""Table stream (behaviour records only, FilterCriteria) -> totals, users' period and lifetime items.

Each record is parsed into Powertools' `DynamoDBStreamRecordModel` first. One that does not parse
(malformed) is logged and counted (`MalformedStreamRecord`), not applied, and reported failed:
Lambda delivers it again up to the event source's MaximumRetryAttempts (bisecting) and then sends
the batch's place in the stream to its OnFailure destination, AggregatorDeadLetterQueue (alarmed):
the stream's last delivery, as a queue's is its maxReceiveCount (`tanhui.sqs`). The records that
parse are applied together (`aggregator.apply`, summed per item); those it could not apply are
reported failed, delivered again, and found applied or applied then. A partial batch response
always, never a function error for failed records.
"""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.parser.models import DynamoDBStreamRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError
from tanhui import errors
from tanhui.observability import log_invocations, logger, metrics
from tanhui.reductions import aggregator

processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)


class NotApplied(Exception):
    """The record's updates were not written; Lambda delivers it again."""


class MalformedStreamRecord(Exception):
    """The record is no DynamoDB stream record: never applied, the dead-letter queue gets it."""


def _sequence_number(record: Any) -> str | None:
    stream = record.get("dynamodb") if isinstance(record, dict) else None
    number = stream.get("SequenceNumber") if isinstance(stream, dict) else None
    return str(number) if number is not None else None


def _readable(record: dict[str, Any]) -> bool:
    try:
        DynamoDBStreamRecordModel.model_validate(record)
    except ValidationError as exc:
        logger.error("malformed stream record: not applied, its batch goes to the dead-letter queue "
                     "after its retries", extra={"sequence_number": _sequence_number(record),
                                                 "problems": errors.validation_details(exc.errors())[:10]})
        metrics.add_metric(name="MalformedStreamRecord", unit=MetricUnit.Count, value=1)
        return False
    return True


@log_invocations()
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    records = list(event.get("Records") or [])
    numbered = [r for r in records if _sequence_number(r) is not None]
    if len(numbered) < len(records):  # nothing to name it by in a partial batch response
        logger.error("stream records without a sequence number skipped",
                     extra={"count": len(records) - len(numbered)})
    malformed = {_sequence_number(r) for r in numbered if not _readable(r)}
    failed = aggregator.apply([r for r in numbered if _sequence_number(r) not in malformed])

    def record_handler(record: DynamoDBRecord) -> None:
        number = str(record.dynamodb.sequence_number) if record.dynamodb is not None else None
        if number in malformed:
            raise MalformedStreamRecord(record.event_id)
        if number in failed:
            raise NotApplied(record.event_id)

    return process_partial_response(
        event={**event, "Records": numbered}, record_handler=record_handler, processor=processor,
        context=context,
    )
