"""Two environments on AWS (issue 24): samconfig.toml's staging and production deploy the template
with parameters it accepts, and `make deploy ENV=…` runs the edge firewall's stack in us-east-1 first,
then the application with every override of the file plus the firewall's ARN."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from infra import deploy
from infra.local import cfn

ROOT = Path(__file__).resolve().parents[2]
PARAMETERS = cfn.load_template()["Parameters"]
ENVIRONMENTS = {name: deploy.environment(name) for name in ("staging", "production")}


@pytest.mark.parametrize("name", sorted(ENVIRONMENTS))
def test_given_an_environment_then_the_template_accepts_each_of_its_parameters(name):
    env = ENVIRONMENTS[name]
    assert env.stack == f"tanhui-{name}" and env.region
    for key, value in env.overrides.items():
        spec = PARAMETERS[key]  # a parameter the template does not declare fails the deploy
        if "AllowedValues" in spec:
            assert value in [str(v) for v in spec["AllowedValues"]], (key, value)
        if "AllowedPattern" in spec:
            assert re.fullmatch(spec["AllowedPattern"], value), (key, value)
        if "MaxLength" in spec:
            assert len(value) <= spec["MaxLength"], (key, value)
        if "MinValue" in spec:
            assert int(value) >= spec["MinValue"], (key, value)
    assert env.overrides["AutoConfirmUsers"] == "false"  # every phone confirmed by SMS on AWS
    assert env.overrides["AlarmEmail"]
    assert len(env.overrides["CodeBaseUrl"]) <= 20  # QR version 4 at error correction M


def test_given_the_two_environments_then_they_differ_where_they_should():
    staging, production = ENVIRONMENTS["staging"], ENVIRONMENTS["production"]
    assert staging.overrides["LogRetentionDays"] == "30"
    assert production.overrides["LogRetentionDays"] == "180"
    assert staging.stack != production.stack
    # a code printed in staging must never open production
    assert staging.overrides["CodeBaseUrl"] != production.overrides["CodeBaseUrl"]
    assert production.overrides["CognitoThreatProtection"] == "ENFORCED"
    assert int(staging.overrides["ClaimsRateLimit"]) <= int(production.overrides["ClaimsRateLimit"])


def test_given_a_deploy_then_the_edge_goes_to_us_east_1_first_and_the_app_gets_every_override_and_the_acl():
    env = ENVIRONMENTS["staging"]
    edge, build, app = deploy.commands(env, "arn:aws:wafv2:us-east-1:1:global/webacl/x/y")
    assert edge[:4] == ["sam", "deploy", "--template-file", "infra/waf.yaml"]
    assert edge[edge.index("--region") + 1] == "us-east-1"
    assert edge[edge.index("--stack-name") + 1] == "tanhui-staging-edge"
    assert build == ["sam", "build", "--config-env", "staging"]
    assert app[:4] == ["sam", "deploy", "--config-env", "staging"]
    passed = app[app.index("--parameter-overrides") + 1:]
    assert passed == [f"{k}={v}" for k, v in env.overrides.items()] + [
        "WebAclArn=arn:aws:wafv2:us-east-1:1:global/webacl/x/y"]


def test_given_an_unknown_environment_then_deploy_refuses_it_by_name():
    with pytest.raises(SystemExit, match="no environment 'prod'"):
        deploy.environment("prod")


def test_given_make_deploy_with_dry_run_then_it_prints_the_plan_and_touches_nothing():
    # --no-print-directory: under `make test` the parent make's MAKEFLAGS would add "Leaving directory"
    made = subprocess.run(["make", "--no-print-directory", "-n", "deploy", "ENV=production", "DRY_RUN=1"],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    assert made.stdout.strip().endswith("-m infra.deploy production --dry-run")
    printed = subprocess.run([sys.executable, "-m", "infra.deploy", "production", "--dry-run"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.splitlines()
    assert printed[0].startswith("sam deploy --template-file infra/waf.yaml --stack-name tanhui-production-")
    assert printed[2].startswith("sam deploy --config-env production --parameter-overrides")
    assert printed[3] == "python -m infra.web_publish --bucket <WebBucketName of tanhui-production>"
