"""The local stack's saved state (infra/local/persistence.py): no network.

The round trip runs on moto in a child process: mock_aws resets every moto backend of its process,
and this one may hold the session's moto server.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from infra.local.cfn import ROOT
from infra.local.persistence import StateError, changes_state, dump, load, write_atomically

REGION = "us-east-1"


def _client(service: str):
    return boto3.client(service, region_name=REGION)


def test_given_items_objects_messages_users_and_a_secret_when_dumped_and_loaded_then_all_are_back():
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    probe = "from tests.unit.test_persistence import round_trip; round_trip()"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def round_trip() -> None:
    from moto import mock_aws
    from moto.core.base_backend import BackendDict

    with mock_aws():
        _round_trip(forget_everything=BackendDict.reset)


def _round_trip(forget_everything) -> None:
    ddb, s3, sqs, idp, sm = (_client(s) for s in ("dynamodb", "s3", "sqs", "cognito-idp", "secretsmanager"))
    ddb.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName="t", Item={"pk": {"S": "WALLET#1"}, "coins": {"N": "2"}})
    s3.create_bucket(Bucket="print-batches")
    s3.put_object(Bucket="print-batches", Key="batch.csv", Body=b"code,url\n")
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="chunk 1")
    pool = idp.create_user_pool(PoolName="p")["UserPool"]["Id"]
    client = idp.create_user_pool_client(
        UserPoolId=pool, ClientName="c", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool, Username="u")
    idp.admin_set_user_password(UserPoolId=pool, Username="u", Password="Green-trip-2026", Permanent=True)
    auth = {"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client,
            "AuthParameters": {"USERNAME": "u", "PASSWORD": "Green-trip-2026"}}
    token = idp.initiate_auth(**auth)["AuthenticationResult"]["AccessToken"]
    sm.create_secret(Name="keys", SecretString='{"k1": "s3cr3t"}')

    data = dump({"seeded": True})
    forget_everything()
    assert ddb.list_tables()["TableNames"] == [], "not forgotten"

    assert load(data) == {"seeded": True}
    assert ddb.get_item(TableName="t", Key={"pk": {"S": "WALLET#1"}})["Item"]["coins"] == {"N": "2"}
    assert s3.get_object(Bucket="print-batches", Key="batch.csv")["Body"].read() == b"code,url\n"
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "chunk 1"
    assert idp.get_user(AccessToken=token)["Username"] == "u"  # issued before: still valid
    assert idp.initiate_auth(**auth)["AuthenticationResult"]["AccessToken"]  # same password
    assert sm.get_secret_value(SecretId="keys")["SecretString"] == '{"k1": "s3cr3t"}'


def test_given_a_damaged_state_when_loaded_then_it_says_so():
    with pytest.raises(StateError):
        load(b"not a pickle")


def test_given_requests_then_only_those_that_can_change_state_count():
    def env(method: str, target: str = "") -> dict[str, str]:
        return {"REQUEST_METHOD": method, "HTTP_X_AMZ_TARGET": target}

    assert not changes_state(env("GET"))  # S3 GetObject, the JWKS
    assert not changes_state(env("POST", "DynamoDB_20120810.Query"))
    assert not changes_state(env("POST", "AmazonSQS.ReceiveMessage"))
    assert changes_state(env("POST", "DynamoDB_20120810.TransactWriteItems"))
    assert changes_state(env("POST", "AWSCognitoIdentityProviderService.InitiateAuth"))  # stores tokens
    assert changes_state(env("PUT"))  # S3 PutObject


def test_given_a_write_that_fails_then_the_old_file_is_intact(tmp_path: Path, monkeypatch):
    path = tmp_path / "state"
    write_atomically(path, b"old")

    def crash(*_args):
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        write_atomically(path, b"new")
    assert path.read_bytes() == b"old"
