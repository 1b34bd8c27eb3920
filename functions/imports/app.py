"""UploadQueue -> here: S3 notifications of partner files, and the byte ranges they are split into."""

import json

from aws_lambda_powertools.utilities.data_classes import S3Event
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from tanhui import sqs
from tanhui.imports import jobs
from tanhui.observability import metrics


def record_handler(record: SQSRecord) -> None:
    body = json.loads(record.body)
    try:
        if "import_range" in body:
            ref = body["import_range"]
            if jobs.process_range(ref["partner_id"], ref["import_id"], int(ref["range"])):
                metrics.add_metric(name="PartnerFileImported", unit="Count", value=1)
            return
        if body.get("Event") == "s3:TestEvent":
            return
        for s3_record in S3Event(body).records:
            obj = s3_record.s3.get_object
            outcome = jobs.on_upload(obj.key, obj.version_id)
            metrics.add_metric(name=f"PartnerFile_{outcome}", unit="Count", value=1)
    except Exception:
        if int(record.attributes.approximate_receive_count) >= jobs.MAX_RECEIVES:
            why = "failed on every delivery and went to the dead-letter queue"
            if "import_range" in body:
                jobs.give_up(body, why)
            else:
                for s3_record in S3Event(body).records:
                    jobs.give_up_upload(s3_record.s3.get_object.key, s3_record.s3.get_object.version_id, why)
        raise


lambda_handler = sqs.batch_handler(record_handler)
