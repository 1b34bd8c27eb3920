"""BatchQueue -> here: prints one chunk of a code batch (CSV and PDF label sheets)."""

from aws_lambda_powertools.metrics import MetricUnit
from tanhui import sqs
from tanhui.codes import batches
from tanhui.observability import metrics


def print_chunk(chunk: batches.ChunkJob) -> None:
    printed = batches.process_chunk(chunk.model_dump())
    if printed:
        metrics.add_metric(name="CodesPrinted", unit=MetricUnit.Count, value=printed)


def fail_batch(chunk: batches.ChunkJob, why: str) -> None:
    batches.give_up(chunk.model_dump(), f"it {why}")


lambda_handler = sqs.batch_handler(
    print_chunk, model=batches.ChunkJob, queue=sqs.BATCH_QUEUE, give_up=fail_batch
)
