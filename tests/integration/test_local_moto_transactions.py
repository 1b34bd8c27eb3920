"""The local stack's moto: a cancelled transaction leaves every item as it was (infra/local/moto_atomic)."""

from __future__ import annotations

import secrets

import boto3
import pytest
from botocore.exceptions import ClientError


def test_given_a_cancelled_transaction_then_its_puts_and_updates_are_undone(aws):
    ddb, table = boto3.client("dynamodb"), aws.env["TABLE_NAME"]
    kept, new, there = (f"T#{secrets.token_hex(4)}" for _ in range(3))
    ddb.put_item(TableName=table, Item={"pk": {"S": kept}, "sk": {"S": "X"}, "n": {"N": "1"}})
    ddb.put_item(TableName=table, Item={"pk": {"S": there}, "sk": {"S": "X"}})

    with pytest.raises(ClientError) as raised:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {"pk": {"S": new}, "sk": {"S": "X"}}}},
                {
                    "Update": {
                        "TableName": table,
                        "Key": {"pk": {"S": kept}, "sk": {"S": "X"}},
                        "UpdateExpression": "ADD n :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                },
                {
                    "ConditionCheck": {
                        "TableName": table,
                        "Key": {"pk": {"S": there}, "sk": {"S": "X"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )

    assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": new}, "sk": {"S": "X"}})
    item = ddb.get_item(TableName=table, Key={"pk": {"S": kept}, "sk": {"S": "X"}}, ConsistentRead=True)[
        "Item"
    ]
    assert item["n"] == {"N": "1"}


def test_given_a_bigger_table_then_a_transaction_does_not_copy_it(aws):
    from moto.dynamodb import models

    from infra.local.moto_atomic import _UndoTouchedItems

    assert isinstance(models.copy, _UndoTouchedItems)  # conftest made moto's writes atomic with it
