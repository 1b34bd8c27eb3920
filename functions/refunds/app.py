"""EventBridge schedule (hourly) -> here: expired vouchers nobody used get their coins back."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from tanhui.observability import log_invocations, metrics
from tanhui.spending import refunds


@log_invocations()
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    run = refunds.run()
    metrics.add_metric(name="VouchersRefunded", unit=MetricUnit.Count, value=run.refunded)
    return {"refunded": run.refunded, "coins": run.coins, "skipped": run.skipped}
