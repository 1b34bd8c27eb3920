"""template.yaml on AWS for real (issue 24): gradual deploys of the money path, a log group per
function with a retention, the API's access log and throttling, alarms that notify, the dashboard,
Cognito's protections against password guessing; and the local stack still reading it."""

import json
import re
from pathlib import Path

import pytest

from infra.local import cfn
from infra.local.gateway import LocalGateway

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = cfn.load_template()
RESOURCES = TEMPLATE["Resources"]
FUNCTIONS = cfn.resources_of_type(TEMPLATE, "AWS::Serverless::Function")
ALARMS = cfn.resources_of_type(TEMPLATE, "AWS::CloudWatch::Alarm")
MONEY_PATH = ["ClaimsFunction", "SpendingFunction", "ImportFunction", "AggregatorFunction"]


def _metrics_of(alarm: dict) -> list[dict]:
    props = alarm["Properties"]
    if "MetricName" in props:
        return [{"Namespace": props["Namespace"], "MetricName": props["MetricName"],
                 "Dimensions": props.get("Dimensions", [])}]
    return [m["MetricStat"]["Metric"] for m in props["Metrics"] if "MetricStat" in m]


def _dimension(metric: dict, name: str):
    return next((d["Value"] for d in metric.get("Dimensions", []) if d["Name"] == name), None)


@pytest.mark.parametrize("function", MONEY_PATH)
def test_given_a_money_path_function_then_it_deploys_gradually_and_rolls_back_on_its_alarms(function):
    props = FUNCTIONS[function]["Properties"]
    assert props["AutoPublishAlias"] == "live"
    preference = props["DeploymentPreference"]
    assert re.fullmatch(r"(Canary|Linear)\d+Percent(\d+Minutes?|Every\d+Minutes?)", preference["Type"])
    watched = {}
    for ref in preference["Alarms"]:
        alarm = ALARMS[ref["Ref"]]
        for metric in _metrics_of(alarm):
            assert metric["Namespace"] == "AWS/Lambda"
            assert _dimension(metric, "FunctionName") == {"Ref": function}
            # read through the alias: the traffic the deployment shifts
            assert _dimension(metric, "Resource") == {"Fn::Sub": f"${{{function}}}:live"}
            watched.setdefault(metric["MetricName"], ref["Ref"])
    assert {"Errors", "Duration"} <= set(watched), watched


def test_given_the_local_stack_then_it_still_finds_the_money_path_behind_its_alias():
    # SAM points the events at the alias; the template's events name the function, as the local
    # gateway and dispatcher read them
    gateway = LocalGateway(TEMPLATE, functions={})
    assert gateway.match("POST", "/v1/claims")[0].function == "ClaimsFunction"
    assert gateway.match("POST", "/v1/redemptions")[0].function == "SpendingFunction"
    assert {s.queue: s.function for s in cfn.sqs_sources(TEMPLATE)}["UploadQueue"] == "ImportFunction"
    assert [s.function for s in cfn.stream_sources(TEMPLATE)] == ["AggregatorFunction"]
    specs = cfn.functions(TEMPLATE)
    assert all(specs[f].code_uri.is_dir() for f in MONEY_PATH)


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_given_a_function_then_it_logs_to_its_own_group_kept_for_the_retention(function):
    group = FUNCTIONS[function]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    assert RESOURCES[group]["Type"] == "AWS::Logs::LogGroup"
    assert RESOURCES[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    others = [f for f, r in FUNCTIONS.items() if r["Properties"]["LoggingConfig"]["LogGroup"]["Ref"] == group]
    assert others == [function]


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_given_a_function_then_its_failure_rate_is_alarmed(function):
    alarmed = [_dimension(m, "FunctionName") for a in ALARMS.values() for m in _metrics_of(a)
               if m["MetricName"] == "Errors"]
    assert {"Ref": function} in alarmed


def test_given_the_access_log_then_it_is_json_with_what_an_operator_needs_and_no_personal_data():
    settings = RESOURCES["HttpApi"]["Properties"]["AccessLogSettings"]
    assert settings["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogs", "Arn"]}
    assert RESOURCES["ApiAccessLogs"]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    line = json.loads(settings["Format"])
    assert line["requestId"] == "$context.requestId"
    assert line["route"] == "$context.routeKey"  # the route's template, never the path's values
    assert line["status"] == "$context.status"
    assert line["latencyMs"] == "$context.responseLatency"
    assert line["sub"] == "$context.authorizer.claims.sub"
    said = " ".join(line.values()).lower()
    for personal in ("phone", "token", "header", "path", "sourceip", "querystring", "useragent",
                     "claims.username"):
        assert personal not in said, personal


ROUTE_KEYS = {r.route_key for r in cfn.http_routes(TEMPLATE)}


def test_given_the_api_then_every_route_is_throttled_and_the_guessable_ones_tighter():
    props = RESOURCES["HttpApi"]["Properties"]
    default = props["DefaultRouteSettings"]
    assert default["ThrottlingRateLimit"] == {"Ref": "ApiRateLimit"}
    assert default["ThrottlingBurstLimit"] == {"Ref": "ApiBurstLimit"}
    routes = props["RouteSettings"]
    assert {"POST /v1/auth/login", "POST /v1/auth/register", "POST /v1/claims"} <= set(routes)
    assert set(routes) <= ROUTE_KEYS  # a limit on a route that does not exist would fail the deploy
    for key in ("POST /v1/auth/login", "POST /v1/auth/register"):
        rate, burst = routes[key]["ThrottlingRateLimit"], routes[key]["ThrottlingBurstLimit"]
        assert 0 < rate <= 100 and 0 < burst <= 200 < int(TEMPLATE["Parameters"]["ApiRateLimit"]["Default"])
    claims = routes["POST /v1/claims"]
    assert claims["ThrottlingRateLimit"] == {"Ref": "ClaimsRateLimit"}
    parameters = TEMPLATE["Parameters"]
    assert int(parameters["ClaimsRateLimit"]["Default"]) < int(parameters["ApiRateLimit"]["Default"])


def test_given_every_alarm_then_it_notifies_the_alarm_topic():
    assert len(ALARMS) >= 30
    for name, alarm in ALARMS.items():
        assert {"Ref": "AlarmTopic"} in alarm["Properties"].get("AlarmActions", []), name
    subscription = RESOURCES["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}


def test_given_every_dead_letter_queue_then_its_depth_is_alarmed():
    queues = cfn.resources_of_type(TEMPLATE, "AWS::SQS::Queue")
    dead = {q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
            for q in queues.values() if "RedrivePolicy" in q["Properties"]}
    dead |= {s.on_failure for s in cfn.stream_sources(TEMPLATE) if s.on_failure}
    assert len(dead) == 4
    depth = {_dimension(m, "QueueName")["Fn::GetAtt"][0] for a in ALARMS.values() for m in _metrics_of(a)
             if m["MetricName"] == "ApproximateNumberOfMessagesVisible"}
    assert dead <= depth


def test_given_the_system_alarms_then_latency_lag_throttles_and_failures_are_watched():
    by_metric = {(m["Namespace"], m["MetricName"]): a for a in ALARMS.values() for m in _metrics_of(a)}
    latency = by_metric[("AWS/ApiGateway", "Latency")]["Properties"]
    assert latency["ExtendedStatistic"] == "p99"
    assert {"Name": "Resource", "Value": "/v1/claims"} in latency["Dimensions"]
    assert RESOURCES["HttpApi"]["Properties"]["RouteSettings"]["POST /v1/claims"]["DetailedMetricsEnabled"]
    age = by_metric[("AWS/Lambda", "IteratorAge")]["Properties"]
    assert _dimension(age, "FunctionName") == {"Ref": "AggregatorFunction"}
    for key in [("AWS/Lambda", "Throttles"), ("AWS/DynamoDB", "WriteThrottleEvents"),
                ("AWS/ApiGateway", "5xx"), ("Tanhui", "PartnerFileFailed"), ("Tanhui", "LedgerExportFailed")]:
        assert key in by_metric, key


def _emitted_metrics() -> set[str]:
    names = set()
    for path in [*ROOT.glob("functions/*/app.py"), *ROOT.glob("layers/common/tanhui/**/*.py")]:
        names |= set(re.findall(r'add_metric\(name="(\w+)"', path.read_text(encoding="utf-8")))
    return names


def test_given_the_dashboard_then_it_shows_claims_credits_coins_errors_and_lag_of_metrics_the_code_emits():
    body = RESOURCES["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    dashboard = json.loads(re.sub(r"\$\{[^}]+\}", "x", body))
    titles = [w["properties"]["title"] for w in dashboard["widgets"]]
    assert titles == ["Claims", "Credits", "Coins", "Errors", "Lag"]
    emitted = _emitted_metrics()
    ours = set()
    for widget in dashboard["widgets"]:
        namespace = None
        for row in widget["properties"]["metrics"]:
            namespace = row[0] if row[0] != "." else namespace
            if namespace == "Tanhui":
                ours.add(row[1])
    for alarm in ALARMS.values():
        ours |= {m["MetricName"] for m in _metrics_of(alarm) if m["Namespace"] == "Tanhui"}
    assert ours and ours <= emitted, ours - emitted


def test_given_the_user_pool_then_password_guessing_is_met_by_cognito():
    pool = RESOURCES["UserPool"]["Properties"]
    assert pool["UserPoolAddOns"]["AdvancedSecurityMode"] == {"Ref": "CognitoThreatProtection"}
    assert TEMPLATE["Parameters"]["CognitoThreatProtection"]["Default"] == "ENFORCED"
    # threat protection needs the Plus plan; without it the pool is on Essentials
    assert pool["UserPoolTier"] == {"Fn::If": ["ThreatProtectionOn", "PLUS", "ESSENTIALS"]}
    client = RESOURCES["UserPoolClient"]["Properties"]
    assert client["PreventUserExistenceErrors"] == "ENABLED"  # a guesser learns nothing of who exists
