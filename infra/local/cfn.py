"""Reads template.yaml the way CloudFormation/SAM would, for the local stack.

Only what the local stack needs: the CloudFormation short-form tags, intrinsic functions over a
map of already-created resources, HTTP API routes, SQS and DynamoDB stream event sources,
schedules and function environments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    pass


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if name == "Fn::GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)  # noqa: S506


def resources_of_type(template: dict[str, Any], type_name: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_name}


class Resolver:
    """Resolves Ref / GetAtt / Sub / Join against attributes of resources already created."""

    def __init__(
        self, template: dict[str, Any], pseudo: dict[str, str], parameters: dict[str, str]
    ):
        self.template = template
        self.pseudo = pseudo
        self.parameters = {
            name: str(spec.get("Default", ""))
            for name, spec in template.get("Parameters", {}).items()
        } | parameters
        self.attributes: dict[str, dict[str, str]] = {}  # logical id -> {"Ref": ..., "Arn": ...}

    def set(self, logical_id: str, **attributes: str) -> None:
        self.attributes.setdefault(logical_id, {}).update(attributes)

    def ref(self, name: str) -> Any:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            value = self.parameters[name]
            listed = self.template.get("Parameters", {}).get(name, {}).get("Type") == "CommaDelimitedList"
            return [part for part in value.split(",") if part] if listed else value
        return self.attributes[name]["Ref"]

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                logical, attribute = arg
                return self.attributes[logical][attribute]
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::Join":
                sep, parts = arg
                return sep.join(str(self.resolve(p)) for p in parts)
        return {k: self.resolve(v) for k, v in value.items()}

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name:
                logical, attribute = name.split(".", 1)
                return self.attributes[logical][attribute]
            return self.ref(name)

        return re.sub(r"\$\{([^}!]+)\}", replace, text)


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    code_uri: Path
    handler: str  # "app.lambda_handler" or "docs/app.lambda_handler"
    timeout: int
    memory: int


@dataclass(frozen=True)
class HttpRoute:
    method: str
    path: str  # "/v1/admin/partners/{partner_id}"
    function: str
    authorized: bool
    authorizer: str = "CognitoJwt"  # the HttpApi's authorizer that checks the token
    scopes: tuple[str, ...] = ()  # AuthorizationScopes: the token must carry one of them

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class SqsSource:
    queue: str  # logical id of the queue
    function: str
    batch_size: int
    partial_failures: bool


@dataclass(frozen=True)
class StreamSource:
    table: str  # logical id of the table whose stream feeds the function
    function: str
    event: str  # the event's name under the function's Events
    batch_size: int
    starting_position: str  # TRIM_HORIZON | LATEST
    partial_failures: bool
    max_retries: int  # -1: until the record expires
    on_failure: str | None  # logical id of the SQS queue of the on-failure destination
    patterns: tuple[str, ...]  # FilterCriteria patterns (JSON); a record matching any is delivered


@dataclass(frozen=True)
class ScheduleSource:
    function: str
    event: str  # the event's name under the function's Events
    expression: str  # "rate(1 hour)" or "cron(0 2 * * ? *)"
    kind: str  # "Schedule" (an EventBridge rule) or "ScheduleV2" (EventBridge Scheduler)
    input: str | None  # the template's `Input`: sent instead of the scheduled event


def functions(template: dict[str, Any]) -> dict[str, FunctionSpec]:
    defaults = template.get("Globals", {}).get("Function", {})
    out = {}
    for logical, res in resources_of_type(template, "AWS::Serverless::Function").items():
        props = res["Properties"]
        out[logical] = FunctionSpec(
            logical_id=logical,
            code_uri=ROOT / props["CodeUri"],
            handler=props["Handler"],
            timeout=int(props.get("Timeout", defaults.get("Timeout", 3))),
            memory=int(props.get("MemorySize", defaults.get("MemorySize", 128))),
        )
    return out


def http_routes(template: dict[str, Any]) -> list[HttpRoute]:
    api_auth = {
        logical: res["Properties"].get("Auth", {}).get("DefaultAuthorizer")
        for logical, res in resources_of_type(template, "AWS::Serverless::HttpApi").items()
    }
    routes = []
    for logical, res in resources_of_type(template, "AWS::Serverless::Function").items():
        for event in res["Properties"].get("Events", {}).values():
            if event["Type"] != "HttpApi":
                continue
            props = event["Properties"]
            api = props.get("ApiId", {}).get("Ref")
            auth = props.get("Auth", {})
            authorizer = auth.get("Authorizer") or api_auth.get(api)
            authorized = bool(api_auth.get(api)) and authorizer != "NONE"
            routes.append(HttpRoute(props["Method"].upper(), props["Path"], logical, authorized,
                                    str(authorizer), tuple(auth.get("AuthorizationScopes", ()))))
    return routes


def sqs_sources(template: dict[str, Any]) -> list[SqsSource]:
    sources = []
    for logical, res in resources_of_type(template, "AWS::Serverless::Function").items():
        for event in res["Properties"].get("Events", {}).values():
            if event["Type"] != "SQS":
                continue
            props = event["Properties"]
            sources.append(
                SqsSource(
                    queue=props["Queue"]["Fn::GetAtt"][0],
                    function=logical,
                    batch_size=int(props.get("BatchSize", 10)),
                    partial_failures="ReportBatchItemFailures"
                    in props.get("FunctionResponseTypes", []),
                )
            )
    return sources


def stream_sources(template: dict[str, Any]) -> list[StreamSource]:
    """Every `DynamoDB` event (a table's `StreamArn`) of every function, in template order."""
    sources = []
    for logical, res in resources_of_type(template, "AWS::Serverless::Function").items():
        for name, event in res["Properties"].get("Events", {}).items():
            if event["Type"] != "DynamoDB":
                continue
            props = event["Properties"]
            table, attribute = props["Stream"]["Fn::GetAtt"]
            assert attribute == "StreamArn", props["Stream"]
            destination = props.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
            sources.append(
                StreamSource(
                    table=table,
                    function=logical,
                    event=name,
                    batch_size=int(props.get("BatchSize", 100)),
                    starting_position=props["StartingPosition"],
                    partial_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
                    max_retries=int(props.get("MaximumRetryAttempts", -1)),
                    on_failure=destination["Fn::GetAtt"][0] if destination else None,
                    patterns=tuple(f["Pattern"] for f in props.get("FilterCriteria", {}).get("Filters", [])),
                )
            )
    return sources


def schedule_sources(template: dict[str, Any]) -> list[ScheduleSource]:
    """Every enabled `Schedule` (`Properties.Schedule`) and `ScheduleV2`
    (`Properties.ScheduleExpression`) event of every function, in template order."""
    sources = []
    for logical, res in resources_of_type(template, "AWS::Serverless::Function").items():
        for name, event in res["Properties"].get("Events", {}).items():
            if event["Type"] not in ("Schedule", "ScheduleV2"):
                continue
            props = event.get("Properties", {})
            enabled = props.get("Enabled", True) is not False and props.get("State", "ENABLED") != "DISABLED"
            if not enabled:
                continue
            expression = props["Schedule"] if event["Type"] == "Schedule" else props["ScheduleExpression"]
            sources.append(ScheduleSource(logical, name, expression, event["Type"], props.get("Input")))
    return sources


def function_environment(template: dict[str, Any], resolver: Resolver) -> dict[str, str]:
    """Globals' variables (every function shares them in this template), resolved."""
    variables = template.get("Globals", {}).get("Function", {}).get("Environment", {})
    resolved = resolver.resolve(variables.get("Variables", {}))
    for res in resources_of_type(template, "AWS::Serverless::Function").values():
        own = res["Properties"].get("Environment", {}).get("Variables", {})
        resolved.update(resolver.resolve(own))
    return {k: str(v) for k, v in resolved.items()}
