"""Logger and Metrics singletons (Powertools). Service name and namespace come from the env."""

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()
