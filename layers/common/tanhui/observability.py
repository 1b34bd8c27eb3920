"""Logger and Metrics singletons (Powertools). Service name and namespace come from the env.

`log_invocations` stands in for Powertools' `inject_lambda_context`: every line an invocation logs
names the function (`function_name`, with its request id and cold start) and carries this
invocation's correlation id or none, never an earlier one's. The keys are the thread's own
(Powertools' thread-safe keys) and cleared when an invocation starts and ends: Lambda runs one
invocation at a time per container, the local stack runs every function in threads of one process
that share this logger.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities import jmespath_utils

logger = Logger()
metrics = Metrics()

H = TypeVar("H", bound=Callable[..., Any])
_warm: set[str] = set()  # functions that have been invoked in this process


def log_invocations(correlation_id_path: str | None = None) -> Callable[[H], H]:
    """Decorates a Lambda handler `(event, context)`; the correlation id is read from the event
    at `correlation_id_path` (a JMESPath, `correlation_paths.*`), none without one."""

    def decorate(handler: H) -> H:
        @functools.wraps(handler)
        def invoked(event: Any, context: Any, *args: Any, **kwargs: Any) -> Any:
            name = context.function_name
            correlation_id = (
                jmespath_utils.query(envelope=correlation_id_path, data=event)
                if correlation_id_path
                else None
            )
            logger.thread_safe_clear_keys()
            logger.thread_safe_append_keys(
                function_name=name,
                function_memory_size=context.memory_limit_in_mb,
                function_arn=context.invoked_function_arn,
                function_request_id=context.aws_request_id,
                cold_start=name not in _warm,
                correlation_id=correlation_id,
            )
            _warm.add(name)
            try:
                return handler(event, context, *args, **kwargs)
            finally:
                logger.thread_safe_clear_keys()

        return invoked  # type: ignore[return-value]

    return decorate
