"""The log-secrets watch (tests/log_secrets.py) sees our log lines and the secrets of the run, and
finds a secret or a JWT in a line; the session fixture asserts no real line holds one."""

from __future__ import annotations

import logging

from tanhui.observability import logger

from tests.log_secrets import LogSecretsWatch


def test_given_a_registration_then_its_password_tokens_and_info_lines_are_watched(log_secrets, register):
    tourist = register()
    assert {tourist.password, tourist.access_token, tourist.refresh_token} <= log_secrets.secrets
    assert any("user registered" in line and tourist.user_id in line for line in log_secrets.lines)


def test_given_lines_holding_a_secret_or_a_jwt_then_they_are_leaks():
    watch = LogSecretsWatch()
    watch.note("k1-signing-key-value-0123456789")
    watch.lines += [
        "claim credited {\"claim_id\": \"01J\"}",
        "debug {\"key\": \"k1-signing-key-value-0123456789\"}",
        "auth header Bearer eyJraWQiOiJhYmMifQ.eyJzdWIiOiIxMjM0NTY3OCJ9.sig",
    ]
    assert len(watch.leaks()) == 2


def test_given_our_logger_at_debug_then_the_watch_keeps_the_line_with_its_extra_keys(log_secrets):
    logger.debug("probe line", extra={"probe": "value-42"})
    assert any("probe line" in line and "value-42" in line for line in log_secrets.lines)
    assert logging.getLogger(logger.name).level == logging.DEBUG
