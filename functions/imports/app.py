"""UploadQueue -> here: S3 notifications of partner files, and the byte ranges they are split into."""

from typing import Literal

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, Field
from tanhui import sqs
from tanhui.imports import jobs
from tanhui.observability import metrics


class RangeRef(BaseModel):
    partner_id: str = Field(min_length=1, max_length=64)
    import_id: str = Field(min_length=1, max_length=64)
    range: int = Field(ge=0)


class RangeQueued(BaseModel):
    """One byte range of a big file, queued by the import itself (`jobs._send_ranges`)."""

    import_range: RangeRef


class S3Object(BaseModel):
    key: str = Field(min_length=1)  # URL-encoded, as S3 sends it
    versionId: str | None = None  # S3's name


class S3Entity(BaseModel):
    object: S3Object


class S3Record(BaseModel):
    s3: S3Entity


class FileLanded(BaseModel):
    """S3's notification of objects created in the upload bucket."""

    Records: list[S3Record] = Field(min_length=1)  # S3's name


class S3TestEvent(BaseModel):
    """What S3 sends once when the notification is configured: nothing to do."""

    Event: Literal["s3:TestEvent"]  # S3's name


UploadMessage = RangeQueued | FileLanded | S3TestEvent


def import_message(message: UploadMessage) -> None:
    if isinstance(message, RangeQueued):
        ref = message.import_range
        if jobs.process_range(ref.partner_id, ref.import_id, ref.range):
            metrics.add_metric(name="PartnerFileImported", unit=MetricUnit.Count, value=1)
    elif isinstance(message, FileLanded):
        for record in message.Records:
            outcome = jobs.on_upload(record.s3.object.key, record.s3.object.versionId)
            metrics.add_metric(name=f"PartnerFile_{outcome}", unit=MetricUnit.Count, value=1)


def fail_import(message: UploadMessage, why: str) -> None:
    metrics.add_metric(name="PartnerFileFailed", unit=MetricUnit.Count, value=1)  # ImportFailedAlarm
    if isinstance(message, RangeQueued):
        jobs.give_up(message.model_dump(), why)
    elif isinstance(message, FileLanded):
        for record in message.Records:
            jobs.give_up_upload(record.s3.object.key, record.s3.object.versionId, why)


lambda_handler = sqs.batch_handler(
    import_message, model=UploadMessage, queue=sqs.UPLOAD_QUEUE, give_up=fail_import
)
