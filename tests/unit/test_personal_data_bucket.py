"""Where copies of a person's data are kept (template.yaml's PersonalDataBucket): private,
unversioned, each object deleted a day after it was made, and reachable only by RightsFunction,
which may put and get under `personal/` and list nothing."""

from __future__ import annotations

import json

from tanhui.rights import data_export

from infra.local import cfn

TEMPLATE = cfn.load_template()
BUCKET = TEMPLATE["Resources"]["PersonalDataBucket"]["Properties"]


def test_given_the_bucket_then_it_is_private_unversioned_and_its_copies_expire_after_a_day():
    assert all(BUCKET["PublicAccessBlockConfiguration"].values())
    assert "VersioningConfiguration" not in BUCKET  # a deleted copy leaves no old version behind
    rules = BUCKET["LifecycleConfiguration"]["Rules"]
    assert [(r["Status"], r["Prefix"], r["ExpirationInDays"]) for r in rules] == [
        ("Enabled", data_export.PREFIX, data_export.KEPT_DAYS)]


def _statements_naming_the_bucket() -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for name, resource in TEMPLATE["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for policy in resource["Properties"].get("Policies", []):
            if "PersonalDataBucket" in json.dumps(policy):
                found.setdefault(name, []).extend(policy.get("Statement", [policy]))
    return found


def test_given_the_functions_then_only_the_rights_function_reaches_the_copies_and_lists_nothing():
    found = _statements_naming_the_bucket()
    assert list(found) == ["RightsFunction"]
    (statement,) = found["RightsFunction"]
    assert sorted(statement["Action"]) == ["s3:GetObject", "s3:PutObject"]
    assert statement["Resource"] == {"Fn::Sub": f"arn:aws:s3:::${{PersonalDataBucket}}/{data_export.PREFIX}*"}
