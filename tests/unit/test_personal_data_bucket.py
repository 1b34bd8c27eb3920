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


def test_given_the_functions_then_only_the_rights_function_reaches_the_copies_and_lists_only_them():
    found = _statements_naming_the_bucket()
    assert list(found) == ["RightsFunction"]
    objects, listing = found["RightsFunction"]
    # a copy is put and read (its presigned link); a closed account's copies are deleted
    assert sorted(objects["Action"]) == ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    assert objects["Resource"] == {"Fn::Sub": f"arn:aws:s3:::${{PersonalDataBucket}}/{data_export.PREFIX}*"}
    # listing (to find a closed account's copies) only under the prefix
    assert listing["Action"] == ["s3:ListBucket"]
    assert listing["Condition"] == {"StringLike": {"s3:prefix": f"{data_export.PREFIX}*"}}
