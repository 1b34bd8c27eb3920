"""The infrastructure scanner as a guard (issue 24): `make lint` runs Checkov on template.yaml and
infra/waf.yaml; a check that does not fit is skipped in the resource's own Metadata with its reason.
These tests keep the skips honest (a reason each, only checks that were judged not to fit) and the
edge firewall what the docs say; `make lint` proves the rest pass."""

import re
from pathlib import Path

import pytest

from infra.local import cfn

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = cfn.load_template()
WAF = cfn.load_template(ROOT / "infra" / "waf.yaml")

# every check skipped anywhere, and the kind of resource it may be skipped on (docs/developers/deploy.md,
# "Checkov": why each does not fit)
JUDGED = {
    "CKV_AWS_117": "AWS::Serverless::Function",  # a VPC
    "CKV_AWS_116": "AWS::Serverless::Function",  # a function DLQ (sync, queue, stream, schedule)
    "CKV_AWS_115": "AWS::Serverless::Function",  # reserved concurrency
    "CKV_AWS_173": "AWS::Serverless::Function",  # a CMK for environment variables that hold no secret
    "CKV_AWS_158": "AWS::Logs::LogGroup",  # a CMK for logs
    "CKV_AWS_27": "AWS::SQS::Queue",  # SSE-SQS rather than KMS
    "CKV_AWS_18": "AWS::S3::Bucket",  # server access logs
    "CKV_AWS_21": "AWS::S3::Bucket",  # versioning (personal copies, the rebuilt web app)
    "CKV_AWS_149": "AWS::SecretsManager::Secret",  # a CMK
    "CKV_AWS_119": "AWS::DynamoDB::Table",  # a CMK
    "CKV_AWS_86": "AWS::CloudFront::Distribution",  # standard logs
    "CKV_AWS_174": "AWS::CloudFront::Distribution",  # the default certificate's TLS
    "CKV_AWS_26": "AWS::SNS::Topic",  # alarms cannot publish to the AWS managed key
    "CKV_AWS_111": "AWS::IAM::Role",  # sns:Publish to phone numbers
}


def _skips(template):
    for name, resource in template["Resources"].items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            yield name, resource["Type"], skip


SKIPS = list(_skips(TEMPLATE)) + list(_skips(WAF))


@pytest.mark.parametrize(("name", "kind", "skip"), SKIPS, ids=[f"{n}-{s['id']}" for n, _, s in SKIPS])
def test_given_a_skipped_check_then_it_was_judged_not_to_fit_and_says_why(name, kind, skip):
    assert set(skip) == {"id", "comment"}
    assert JUDGED.get(skip["id"]) == kind, f"{name}: {skip['id']} is not a check judged not to fit a {kind}"
    assert len(skip["comment"].split()) >= 12, skip  # a reason, not a shrug


def test_given_every_function_then_the_scanner_skips_the_same_four_checks_each_with_its_own_dlq_reason():
    functions = cfn.resources_of_type(TEMPLATE, "AWS::Serverless::Function")
    for name, resource in functions.items():
        skips = {s["id"]: s["comment"] for s in resource["Metadata"]["checkov"]["skip"]}
        assert set(skips) == {"CKV_AWS_117", "CKV_AWS_116", "CKV_AWS_115", "CKV_AWS_173"}, name
        events = {e["Type"] for e in resource["Properties"].get("Events", {}).values()}
        dlq = skips["CKV_AWS_116"]
        if events == {"HttpApi"}:
            assert "synchronously" in dlq, name
        elif events == {"SQS"}:
            assert "RedrivePolicy" in dlq, name
        elif events == {"DynamoDB"}:
            assert "OnFailure" in dlq, name
        else:
            assert events == {"Schedule"} and "scheduled" in dlq, name


def test_given_make_lint_then_it_runs_cfn_lint_and_checkov_on_both_templates_with_checkov_pinned():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    lint = re.search(r"^lint:.*?(?=^\S)", makefile, re.S | re.M).group(0)
    assert "cfn-lint template.yaml infra/waf.yaml" in lint
    assert re.search(r"checkov .*--framework cloudformation", lint)
    assert "-f template.yaml infra/waf.yaml" in lint
    assert "--soft-fail" not in lint
    pins = (ROOT / "infra" / "checkov" / "requirements.txt").read_text(encoding="utf-8")
    assert re.search(r"^checkov==\d+\.\d+\.\d+$", pins, re.M)


def test_given_the_edge_firewall_then_it_is_cloudfront_scoped_with_managed_rules_and_per_ip_limits():
    acl = WAF["Resources"]["WebAcl"]["Properties"]
    assert acl["Scope"] == "CLOUDFRONT"  # hence a stack of its own in us-east-1
    rules = {r["Name"]: r for r in acl["Rules"]}
    managed = {r["Statement"]["ManagedRuleGroupStatement"]["Name"] for r in rules.values()
               if "ManagedRuleGroupStatement" in r["Statement"]}
    assert {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"} <= managed
    limited = {}
    for rule in rules.values():
        rate = rule["Statement"].get("RateBasedStatement")
        if rate:
            assert rate["AggregateKeyType"] == "IP"
            match = rate["ScopeDownStatement"]["ByteMatchStatement"]
            limited[match["SearchString"]] = rule
            response = rule["Action"]["Block"]["CustomResponse"]
            assert response["ResponseCode"] == 429
            retry = {"Name": "Retry-After", "Value": str(rate["EvaluationWindowSec"])}
            assert retry in response["ResponseHeaders"]
    assert set(limited) == {"/v1/auth/", "/v1/claims"}
    assert WAF["Outputs"]["WebAclArn"]["Value"] == {"Fn::GetAtt": ["WebAcl", "Arn"]}


def test_given_the_distribution_then_the_firewall_is_attached_when_its_arn_is_given():
    config = TEMPLATE["Resources"]["WebDistribution"]["Properties"]["DistributionConfig"]
    assert config["WebACLId"] == {"Fn::If": ["HasWebAcl", {"Ref": "WebAclArn"}, {"Ref": "AWS::NoValue"}]}
    assert TEMPLATE["Conditions"]["HasWebAcl"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "WebAclArn"}, ""]}]}
