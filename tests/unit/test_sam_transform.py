"""template.yaml through the SAM transform, as `sam validate` and CloudFormation run it (the
translator, with placeholder code locations as `sam validate` uses; no AWS account): it translates,
the money path's routes, event sources and permissions point at the alias `live`, CodeDeploy rolls
each back on its two alarms, and the API's stage carries the access log and the throttling."""

import pytest
from samtranslator.public.exceptions import InvalidDocumentException
from samtranslator.translator import transform as translator

from infra.local import cfn

MONEY_PATH = ["ClaimsFunction", "SpendingFunction", "ImportFunction", "AggregatorFunction"]


class _NoManagedPolicies:
    """The template names no AWS managed policy by name (policy templates and statements only)."""

    def load(self) -> dict[str, str]:
        return {}


@pytest.fixture(scope="module")
def transformed():
    template = cfn.load_template()
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = "s3://bucket/function.zip"
        if resource["Type"] == "AWS::Serverless::LayerVersion":
            resource["Properties"]["ContentUri"] = "s3://bucket/layer.zip"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_DEFAULT_REGION", "us-east-1")  # the translator's pseudo parameters
        try:
            return translator.transform(template, {}, _NoManagedPolicies())["Resources"]
        except InvalidDocumentException as invalid:
            pytest.fail("; ".join(cause.message for cause in invalid.causes))


def _of(resources, kind):
    return {name: r["Properties"] for name, r in resources.items() if r["Type"] == kind}


def test_given_the_money_path_then_its_routes_event_sources_and_permissions_invoke_the_alias(transformed):
    aliases = _of(transformed, "AWS::Lambda::Alias")
    assert {a["FunctionName"]["Ref"] for a in aliases.values()} == set(MONEY_PATH)
    assert {a["Name"] for a in aliases.values()} == {"live"}
    routes = transformed["HttpApi"]["Properties"]["Body"]["paths"]
    for path, method in [("/v1/claims", "post"), ("/v1/me/wallet", "get"), ("/v1/redemptions", "post")]:
        uri = routes[path][method]["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
        assert "Aliaslive}/invocations" in uri, (path, uri)
    for name, permission in _of(transformed, "AWS::Lambda::Permission").items():
        if name.startswith(("ClaimsFunction", "SpendingFunction")):
            assert permission["FunctionName"]["Ref"].endswith("Aliaslive"), name
    sources = _of(transformed, "AWS::Lambda::EventSourceMapping").values()
    mappings = {m["FunctionName"]["Ref"] for m in sources}
    assert {"ImportFunctionAliaslive", "AggregatorFunctionAliaslive"} <= mappings
    assert "CodeBatchFunction" in mappings  # not on the money path: invoked as itself


def test_given_a_money_path_deploy_then_codedeploy_rolls_it_back_on_its_two_alarms(transformed):
    groups = _of(transformed, "AWS::CodeDeploy::DeploymentGroup")
    assert set(groups) == {f"{f}DeploymentGroup" for f in MONEY_PATH}
    for function in MONEY_PATH:
        group = groups[f"{function}DeploymentGroup"]
        alarms = [a["Name"]["Ref"] for a in group["AlarmConfiguration"]["Alarms"]]
        assert alarms == [f"{function}ErrorsAlarm", f"{function}DurationAlarm"]
        assert "DEPLOYMENT_STOP_ON_ALARM" in group["AutoRollbackConfiguration"]["Events"]


def test_given_the_api_stage_then_it_logs_each_request_and_throttles_every_route(transformed):
    (stage,) = _of(transformed, "AWS::ApiGatewayV2::Stage").values()
    assert stage["AccessLogSettings"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogs", "Arn"]}
    assert stage["DefaultRouteSettings"]["ThrottlingRateLimit"] == {"Ref": "ApiRateLimit"}
    assert {"POST /v1/auth/login", "POST /v1/auth/register", "POST /v1/claims"} <= set(stage["RouteSettings"])


def test_given_every_function_then_it_logs_to_its_own_group(transformed):
    for name, function in _of(transformed, "AWS::Lambda::Function").items():
        assert function["LoggingConfig"] == {"LogGroup": {"Ref": f"{name}Logs"}}, name
