"""EventBridge schedule (daily) -> here: coins past their lot's expiry lapse, once (积分过期)."""

from datetime import datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from tanhui.observability import log_invocations, metrics
from tanhui.wallet import expiry


@log_invocations()
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    due = event.get("time")  # when the schedule was due: what is expired by then lapses
    run = expiry.run(at=datetime.fromisoformat(due.replace("Z", "+00:00")) if isinstance(due, str) else None)
    metrics.add_metric(name="CoinsExpired", unit=MetricUnit.Count, value=run.coins)
    return {"wallets": run.wallets, "entries": run.entries, "coins": run.coins, "replanned": run.replanned,
            "left": run.left}
