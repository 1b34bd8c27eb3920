"""The DynamoDB actions template.yaml grants each function, and a recorder of the actions the
handlers really use while the integration and e2e tests run (checked against the grants)."""

from __future__ import annotations

import contextvars
from collections import defaultdict
from typing import Any

SAM_TABLE_POLICIES = ("DynamoDBCrudPolicy", "DynamoDBReadPolicy", "DynamoDBWritePolicy")
# a transaction's items are authorised as the item actions they are
TRANSACT_ITEM_ACTION = {"ConditionCheck": "ConditionCheckItem", "Put": "PutItem", "Update": "UpdateItem",
                        "Delete": "DeleteItem"}


def dynamodb_grants(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """function -> {"actions": set of dynamodb actions, "index": whether the GSIs are granted,
    "sam_policies": SAM table policy templates used}."""
    out: dict[str, dict[str, Any]] = {}
    for name, res in template["Resources"].items():
        if res["Type"] != "AWS::Serverless::Function":
            continue
        grant: dict[str, Any] = {"actions": set(), "index": False, "sam_policies": []}
        for policy in res["Properties"].get("Policies", []):
            grant["sam_policies"] += [k for k in policy if k in SAM_TABLE_POLICIES]
            for statement in policy.get("Statement", []):
                actions = [a.split(":", 1)[1] for a in statement["Action"] if a.startswith("dynamodb:")]
                resources = statement["Resource"]
                resources = resources if isinstance(resources, list) else [resources]
                grant["actions"] |= set(actions)
                grant["index"] |= any("/index/" in str(r) for r in resources) and bool(actions)
        out[name] = grant
    return out


class DynamoDBRecorder:
    """Records (function, action, uses an index) for every DynamoDB call made inside a handler."""

    def __init__(self) -> None:
        self.current: contextvars.ContextVar[str | None] = contextvars.ContextVar("fn", default=None)
        self.seen: dict[str, set[tuple[str, bool]]] = defaultdict(set)

    def install(self, functions: dict[str, Any]) -> None:
        import botocore.client

        for name, fn in functions.items():
            original = fn.invoke

            def invoke(event: Any, __name: str = name, __original: Any = original) -> Any:
                token = self.current.set(__name)
                try:
                    return __original(event)
                finally:
                    self.current.reset(token)

            fn.invoke = invoke
        make_api_call = botocore.client.BaseClient._make_api_call
        recorder = self

        def recording(client: Any, operation: str, params: dict[str, Any]) -> Any:
            fn = recorder.current.get()
            if fn and client.meta.service_model.service_name == "dynamodb":
                if operation == "TransactWriteItems":
                    for item in params.get("TransactItems", []):
                        recorder.seen[fn] |= {(TRANSACT_ITEM_ACTION[k], False) for k in item}
                else:
                    recorder.seen[fn].add((operation, bool(params.get("IndexName"))))
            return make_api_call(client, operation, params)

        botocore.client.BaseClient._make_api_call = recording  # type: ignore[method-assign]

    def ungranted(self, template: dict[str, Any]) -> dict[str, list[tuple[str, bool]]]:
        """function -> the (action, on an index) it used that the template does not grant it."""
        grants = dynamodb_grants(template)
        missing = {
            fn: sorted(
                (action, index)
                for action, index in used
                if action not in grants[fn]["actions"] or (index and not grants[fn]["index"])
            )
            for fn, used in self.seen.items()
        }
        return {fn: calls for fn, calls in missing.items() if calls}
