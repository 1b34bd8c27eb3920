"""The local stack's moto (infra/local/moto_atomic): a cancelled transaction leaves every item as it
was; a Query reads its partition, in order, and an index query still sees every partition."""

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


def test_given_many_partitions_then_a_query_reads_its_own_in_key_order_and_an_index_query_reads_all(aws):
    from moto.dynamodb.models.table import Table

    ddb, table = boto3.client("dynamodb"), aws.env["TABLE_NAME"]
    pk, other, index_key = (f"Q#{secrets.token_hex(4)}" for _ in range(3))
    for n in (3, 1, 2):
        ddb.put_item(TableName=table, Item={"pk": {"S": pk}, "sk": {"S": f"S{n}"},
                                           "gsi1pk": {"S": index_key}, "gsi1sk": {"S": f"{n}"}})
        ddb.put_item(TableName=table, Item={"pk": {"S": other}, "sk": {"S": f"S{n}"},
                                           "gsi1pk": {"S": index_key}, "gsi1sk": {"S": f"9{n}"}})
    sorted_every_item = []
    original = Table.all_items

    def counting(self):
        items = original(self)
        sorted_every_item.append(len(items))
        return items

    Table.all_items = counting
    try:
        mine = ddb.query(TableName=table, KeyConditionExpression="pk = :p",
                         ExpressionAttributeValues={":p": {"S": pk}}, ScanIndexForward=False)
    finally:
        Table.all_items = original
    indexed = ddb.query(TableName=table, IndexName="gsi1", KeyConditionExpression="gsi1pk = :p",
                        ExpressionAttributeValues={":p": {"S": index_key}})

    assert [i["sk"]["S"] for i in mine["Items"]] == ["S3", "S2", "S1"]
    assert sorted_every_item == [3]  # the partition's items, not the table's
    assert [i["gsi1sk"]["S"] for i in indexed["Items"]] == ["1", "2", "3", "91", "92", "93"]


def test_given_writes_between_index_queries_then_each_query_sees_them_and_reads_reuse_the_map(aws):
    """An index Query reads the items mapped by its hash key; the map is rebuilt after any write, so
    a put, an update that moves an item to another key and a delete all show at once."""
    from infra.local import moto_atomic

    ddb, table = boto3.client("dynamodb"), aws.env["TABLE_NAME"]
    a, b = (f"IX#{secrets.token_hex(4)}" for _ in range(2))

    def index(key: str) -> list[str]:
        found = ddb.query(TableName=table, IndexName="gsi1", KeyConditionExpression="gsi1pk = :p",
                          ExpressionAttributeValues={":p": {"S": key}})
        return [i["pk"]["S"] for i in found["Items"]]

    for n in range(3):
        ddb.put_item(TableName=table, Item={"pk": {"S": f"{a}-{n}"}, "sk": {"S": "X"},
                                           "gsi1pk": {"S": a}, "gsi1sk": {"S": str(n)}})
    assert index(a) == [f"{a}-0", f"{a}-1", f"{a}-2"] and index(b) == []
    maps = [v[2] for k, v in moto_atomic._INDEXES.items() if k[1] == "gsi1pk"]
    assert index(a) and [v[2] for k, v in moto_atomic._INDEXES.items() if k[1] == "gsi1pk"] == maps  # kept

    ddb.update_item(TableName=table, Key={"pk": {"S": f"{a}-1"}, "sk": {"S": "X"}},
                    UpdateExpression="SET gsi1pk = :b", ExpressionAttributeValues={":b": {"S": b}})
    assert index(a) == [f"{a}-0", f"{a}-2"] and index(b) == [f"{a}-1"]
    ddb.delete_item(TableName=table, Key={"pk": {"S": f"{a}-0"}, "sk": {"S": "X"}})
    ddb.transact_write_items(TransactItems=[{"Put": {"TableName": table, "Item": {
        "pk": {"S": f"{b}-9"}, "sk": {"S": "X"}, "gsi1pk": {"S": b}, "gsi1sk": {"S": "9"}}}}])
    assert index(a) == [f"{a}-2"] and index(b) == [f"{a}-1", f"{b}-9"]
