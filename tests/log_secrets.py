"""Secrets never in logs: every log line of a test run is kept, every secret that crossed an AWS
call in the run (code-signing keys, passwords, access/ID/refresh tokens) is noted, and at the end
no line may contain one (nor anything shaped like a JWT)."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}")
TOKEN_FIELDS = ("AccessToken", "IdToken", "RefreshToken")
PASSWORD_FIELDS = ("Password", "PASSWORD", "REFRESH_TOKEN", "ProposedPassword", "PreviousPassword")
MIN_SECRET = 8  # shorter strings would match by accident


class _Lines(logging.Handler):
    def __init__(self, lines: list[str]):
        super().__init__(logging.DEBUG)
        self.lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        fields = {k: v for k, v in record.__dict__.items() if k not in {"exc_info", "args", "msg"}}
        text = record.getMessage() + " " + json.dumps(fields, default=str, ensure_ascii=False)
        if record.exc_info:
            text += " " + logging.Formatter().formatException(record.exc_info)
        self.lines.append(text)


class LogSecretsWatch:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.secrets: set[str] = set()
        self._undo: list[Any] = []

    def note(self, value: Any) -> None:
        if isinstance(value, str) and len(value) >= MIN_SECRET:
            self.secrets.add(value)

    def _observe(self, service: str, params: dict[str, Any], result: dict[str, Any]) -> None:
        for field in PASSWORD_FIELDS:
            self.note(params.get(field))
            self.note((params.get("AuthParameters") or {}).get(field))
        for field in TOKEN_FIELDS:
            self.note((result.get("AuthenticationResult") or {}).get(field))
        if service == "secretsmanager" and "SecretString" in result:
            self.note(result["SecretString"])
            try:
                document = json.loads(result["SecretString"])
            except ValueError:
                return
            for value in _strings(document):
                self.note(value)

    def start(self) -> None:
        import botocore.client
        from tanhui.observability import logger

        ours = logging.getLogger(logger.name)  # Powertools' logger: keep its output level, see all
        for handler in ours.handlers:
            handler.setLevel(ours.level)
        ours.setLevel(logging.DEBUG)
        catch_ours, catch_rest = _Lines(self.lines), _Lines(self.lines)
        catch_rest.setLevel(logging.WARNING)  # what the Lambda runtime shows of other libraries
        ours.addHandler(catch_ours)
        logging.getLogger().addHandler(catch_rest)
        self._undo += [lambda: ours.removeHandler(catch_ours),
                       lambda: logging.getLogger().removeHandler(catch_rest)]

        call = botocore.client.BaseClient._make_api_call
        watch = self

        def observed(client: Any, operation: str, params: dict[str, Any]) -> Any:
            result = call(client, operation, params)
            watch._observe(client.meta.service_model.service_name, params, result)
            return result

        botocore.client.BaseClient._make_api_call = observed  # type: ignore[method-assign]
        self._undo.append(lambda: setattr(botocore.client.BaseClient, "_make_api_call", call))

    def stop(self) -> None:
        while self._undo:
            self._undo.pop()()

    def leaks(self) -> list[str]:
        return [line[:300] for line in self.lines
                if JWT.search(line) or any(secret in line for secret in self.secrets)]


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []
