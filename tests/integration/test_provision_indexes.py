"""A `make run` state from before the template gained or changed an index: provisioning the same
stack again brings the table's indexes to the template's, and its items stay."""

from __future__ import annotations

import uuid

import boto3

from infra.local import cfn
from infra.local.provision import provision


def _indexes(ddb, name: str) -> dict[str, tuple]:
    table = ddb.describe_table(TableName=name)["Table"]
    return {i["IndexName"]: (i["KeySchema"], i["Projection"]["ProjectionType"])
            for i in table.get("GlobalSecondaryIndexes", [])}


def test_given_a_restored_table_with_an_index_missing_and_one_changed_then_provision_declares_them(aws):
    stack_name = f"restored-{uuid.uuid4().hex[:8]}"
    stack = provision(aws.endpoint, stack_name=stack_name)
    ddb = boto3.client("dynamodb", endpoint_url=aws.endpoint)
    name = stack.resolver.attributes["Table"]["Ref"]
    table = cfn.resources_of_type(cfn.load_template(), "AWS::DynamoDB::Table")["Table"]
    declared = {i["IndexName"]: (i["KeySchema"], i["Projection"]["ProjectionType"])
                for i in table["Properties"]["GlobalSecondaryIndexes"]}
    # the state of an older template: no gsi6, gsi2 projecting every attribute
    ddb.update_table(TableName=name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "gsi6"}}])
    ddb.update_table(TableName=name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "gsi2"}}])
    ddb.update_table(TableName=name, GlobalSecondaryIndexUpdates=[{"Create": {
        "IndexName": "gsi2", "KeySchema": declared["gsi2"][0], "Projection": {"ProjectionType": "ALL"}}}])
    ddb.put_item(TableName=name, Item={"pk": {"S": "USER#kept"}, "sk": {"S": "REDUCTION#stats"},
                                       "gsi6pk": {"S": "RANK#month#2026-12#P#P1"}, "gsi6sk": {"N": "5"}})
    assert "gsi6" not in _indexes(ddb, name) and _indexes(ddb, name)["gsi2"][1] == "ALL"

    again = provision(aws.endpoint, stack_name=stack_name)

    assert again.resolver.attributes["Table"]["Ref"] == name
    assert _indexes(ddb, name) == declared
    found = ddb.query(TableName=name, IndexName="gsi6", KeyConditionExpression="gsi6pk = :p",
                      ExpressionAttributeValues={":p": {"S": "RANK#month#2026-12#P#P1"}})["Items"]
    assert [i["pk"]["S"] for i in found] == ["USER#kept"]
