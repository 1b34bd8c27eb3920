"""The operators' action log: every successful operator write, appended once and never changed.

A function with operator routes installs the middleware after `api.install`::

    app.use(middlewares=[actions.record_operator_writes])

It runs after the request's validation, around the route: a write (POST, PUT, PATCH, DELETE) by
an operator (role `admin`) that answered 2xx appends an `OperatorAction` (models.audit_log): who,
the route as the template names it, its path parameters, the body's fields that its request model
lists in `logged_fields` with their values (the others by name only: no person's name, phone or
email, no password), the ids the answer names (`partner_id`, `export_id`, `version`…; never a
`user_id`) and the status. A refused or failed write is not an action and is not logged.

The item is put with `attribute_not_exists` at `AUDITLOG#<YYYY-MM>` / `<at>#<request id>`;
the functions that log hold PutItem alone on the log's table, so nothing updates or deletes it.
The write it records has already happened: if the log cannot be written after the SDK's retries,
the caller still gets the write's answer and the failure is logged (error) and counted
(`OperatorActionNotLogged`) for the alarm, never silently dropped.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from pynamodb.exceptions import PutError

from tanhui import api
from tanhui.models.audit_log import OperatorAction
from tanhui.models.base import utc_now
from tanhui.observability import logger, metrics
from tanhui.request_models import RequestModel

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
OPERATOR = "admin"
MAX_TEXT = 200  # a logged text longer than this is cut (a factor's source, a project's name)


def record_operator_writes(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response:
    response = next_middleware(app)
    event = app.current_event
    if event.http_method.upper() in WRITES and 200 <= response.status_code < 300:
        who = api.principal(app)
        if who.role == OPERATOR:
            record(_action(app, who.user_id, response))
    return response


def _action(app: APIGatewayHttpResolver, who: str, response: Response) -> OperatorAction:
    route = app.context.get("_route")
    args: dict[str, Any] = app.context.get("_route_args") or {}
    path = str(route.path) if route is not None else app.current_event.path
    params = re.findall(r"<(\w+)>", path)
    body = next((v for v in args.values() if isinstance(v, RequestModel)), None)
    summary, fields = summarise(body) if body is not None else ({}, [])
    at = utc_now()
    request_id = app.current_event.request_context.request_id or str(uuid.uuid4())
    pk, sk = OperatorAction.key(at, request_id)
    template_path = re.sub(r"<(\w+)>", r"{\1}", path)
    return OperatorAction(
        pk, sk, at=at, request_id=request_id, who=who,
        route=f"{app.current_event.http_method.upper()} {template_path}",
        path_params={name: str(args.get(name, "")) for name in params},
        summary=summary, fields=fields, result=_result_ids(response.body), status=response.status_code,
    )


def summarise(body: RequestModel) -> tuple[dict[str, Any], list[str]]:
    """The values of the fields `body`'s model lets be logged (texts cut at MAX_TEXT), and the
    names (as sent) of every field the body set."""
    model = type(body)
    logged = set(model.logged_fields or ())
    sent = [name for name in model.model_fields if name in body.model_fields_set]
    values = body.model_dump(mode="json", by_alias=True, include={n for n in sent if n in logged})
    return _cut(values), sorted(model.model_fields[n].alias or n for n in sent)


def _cut(value: Any) -> Any:
    if isinstance(value, str):
        return value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + "…"
    if isinstance(value, dict):
        return {k: _cut(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_cut(v) for v in value]
    return value


def _result_ids(body: Any) -> dict[str, Any]:
    """The ids the answer names at its top level (a person's `user_id` left out), and a version."""
    if isinstance(body, str | bytes):
        try:
            body = json.loads(body)
        except ValueError:
            return {}
    if hasattr(body, "model_dump"):
        body = body.model_dump(mode="json")
    if not isinstance(body, dict):
        return {}
    return {k: v for k, v in body.items()
            if ((k.endswith("_id") and k != "user_id") or k == "version") and isinstance(v, str | int)}


def record(action: OperatorAction) -> None:
    try:
        action.save(condition=OperatorAction.sk.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return  # this request's action is there already
        _not_logged(action, exc)
    except Exception as exc:  # the write happened: say so loudly, answer it anyway
        _not_logged(action, exc)


def _not_logged(action: OperatorAction, exc: Exception) -> None:
    metrics.add_metric(name="OperatorActionNotLogged", unit="Count", value=1)
    logger.error("operator action not logged", extra={
        "route": action.route, "request_id": action.request_id, "who": action.who,
        "status": action.status, "error_type": type(exc).__name__, "error": str(exc)[:200]})
