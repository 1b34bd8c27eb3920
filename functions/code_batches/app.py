"""BatchQueue -> here: prints one chunk of a code batch (CSV and PDF label sheets)."""

import json

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from tanhui import sqs
from tanhui.codes import batches
from tanhui.observability import metrics


def record_handler(record: SQSRecord) -> None:
    body = json.loads(record.body)
    try:
        printed = batches.process_chunk(body)
    except Exception:
        if int(record.attributes.approximate_receive_count) >= batches.MAX_RECEIVES:
            batches.give_up(body, "it failed on every delivery and went to the dead-letter queue")
        raise
    if printed:
        metrics.add_metric(name="CodesPrinted", unit=MetricUnit.Count, value=printed)


lambda_handler = sqs.batch_handler(record_handler)
