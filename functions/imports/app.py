"""S3 -> SQS -> here: records each partner file uploaded to the upload bucket."""

import json

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes import S3Event
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from tanhui.imports import inbox
from tanhui.observability import log_invocations, metrics

processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    body = json.loads(record.body)
    if body.get("Event") == "s3:TestEvent":
        return
    for s3_record in S3Event(body).records:
        obj = s3_record.s3.get_object
        if inbox.receive(
            s3_record.s3.bucket.name, obj.key, obj.size or 0, obj.version_id, obj.etag
        ):
            metrics.add_metric(name="PartnerFileReceived", unit="Count", value=1)


@log_invocations()
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
