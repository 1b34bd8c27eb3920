"""ExportQueue -> here: writes one ledger export (files, manifest, its link in the chain)."""

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict, Field
from tanhui import sqs
from tanhui.exports import jobs
from tanhui.observability import metrics


class ExportRequested(BaseModel):
    """The message `jobs.create_export` queues: the export to write, nothing more to trust."""

    model_config = ConfigDict(strict=True)

    export_id: str = Field(min_length=1, max_length=64)


def write_export(message: ExportRequested) -> None:
    if jobs.process(message.export_id):
        metrics.add_metric(name="LedgerExported", unit=MetricUnit.Count, value=1)


def fail_export(message: ExportRequested, why: str) -> None:
    metrics.add_metric(name="LedgerExportFailed", unit=MetricUnit.Count, value=1)  # ExportFailedAlarm
    jobs.give_up(message.model_dump(), f"it {why}")


lambda_handler = sqs.batch_handler(
    write_export, model=ExportRequested, queue=sqs.EXPORT_QUEUE, give_up=fail_export
)
