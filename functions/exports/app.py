"""ExportQueue -> here: writes one ledger export (files, manifest, its link in the chain)."""

import json

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from tanhui import sqs
from tanhui.exports import jobs
from tanhui.observability import metrics


def record_handler(record: SQSRecord) -> None:
    body = json.loads(record.body)
    try:
        written = jobs.process(str(body["export_id"]))
    except Exception:
        if int(record.attributes.approximate_receive_count) >= jobs.MAX_RECEIVES:
            jobs.give_up(body, "it failed on every delivery and went to the dead-letter queue")
        raise
    if written:
        metrics.add_metric(name="LedgerExported", unit="Count", value=1)


lambda_handler = sqs.batch_handler(record_handler)
