"""Creates the template's data, messaging and identity resources on an AWS endpoint (moto).

A resource that already exists (a state `make run` restored) is found by its name and kept as it
is, so provisioning an existing stack changes nothing and yields the same ids and environment;
only a table gets the indexes the template has come to declare since (`_indexes_as_declared`).

Every property comes from template.yaml: the table's keys and GSIs, the buckets and their
S3 -> SQS notification, queues and their redrive policies, the user pool, client and groups,
the code-signing secret. Nothing here restates the schema.
"""

from __future__ import annotations

import json
import secrets
import string
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import ClientError

from infra.local import cfn

ACCOUNT_ID = "123456789012"


@dataclass
class LocalStack:
    region: str
    endpoint: str
    stack_name: str
    resolver: cfn.Resolver
    env: dict[str, str] = field(default_factory=dict)
    queue_urls: dict[str, str] = field(default_factory=dict)  # logical id -> url


def _client(service: str, endpoint: str, region: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name=region)


def _pick(props: dict[str, Any], *names: str) -> dict[str, Any]:
    return {n: props[n] for n in names if n in props}


def provision(
    endpoint: str,
    *,
    region: str = "us-east-1",
    stack_name: str = "tanhui-local",
    parameters: dict[str, str] | None = None,
    template: dict[str, Any] | None = None,
) -> LocalStack:
    template = template or cfn.load_template()
    pseudo = {
        "AWS::Region": region,
        "AWS::AccountId": ACCOUNT_ID,
        "AWS::StackName": stack_name,
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
    }
    resolver = cfn.Resolver(template, pseudo, parameters or {})
    stack = LocalStack(region, endpoint, stack_name, resolver)
    _secrets(stack, template)
    _queues(stack, template)
    _buckets(stack, template)
    _tables(stack, template)
    _user_pools(stack, template)
    stack.env = cfn.function_environment(template, resolver) | {
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ENDPOINT_URL": endpoint,
        "JWKS_URL": f"{endpoint}/{resolver.ref('UserPool')}/.well-known/jwks.json",
    }
    return stack


def _physical(stack: LocalStack, logical: str) -> str:
    return f"{stack.stack_name}-{logical}"


def _missing(err: ClientError, *codes: str) -> bool:
    return err.response["Error"]["Code"] in codes


def _generate_secret(spec: dict[str, Any]) -> str:
    alphabet = string.ascii_letters + string.digits
    if not spec.get("ExcludePunctuation"):
        alphabet += "!#$%&()*+,-./:;<=>?@[]^_{|}~"
    value = "".join(secrets.choice(alphabet) for _ in range(int(spec.get("PasswordLength", 32))))
    if "SecretStringTemplate" not in spec:
        return value
    document = json.loads(spec["SecretStringTemplate"])
    document[spec["GenerateStringKey"]] = value
    return json.dumps(document)


def _secrets(stack: LocalStack, template: dict[str, Any]) -> None:
    sm = _client("secretsmanager", stack.endpoint, stack.region)
    for logical, res in cfn.resources_of_type(template, "AWS::SecretsManager::Secret").items():
        props, name = res["Properties"], _physical(stack, logical)
        try:
            arn = sm.describe_secret(SecretId=name)["ARN"]
        except ClientError as err:
            if not _missing(err, "ResourceNotFoundException"):
                raise
            value = props.get("SecretString") or _generate_secret(props.get("GenerateSecretString", {}))
            arn = sm.create_secret(
                Name=name, SecretString=value, Description=props.get("Description", "")
            )["ARN"]
        stack.resolver.set(logical, Ref=arn, Id=arn)


def _queues(stack: LocalStack, template: dict[str, Any]) -> None:
    sqs = _client("sqs", stack.endpoint, stack.region)
    queues = cfn.resources_of_type(template, "AWS::SQS::Queue")
    # Dead-letter queues first: the others' redrive policies point at them.
    ordered = sorted(queues.items(), key=lambda kv: "RedrivePolicy" in kv[1].get("Properties", {}))
    for logical, res in ordered:
        props = stack.resolver.resolve(res.get("Properties", {}))
        attributes = {
            k: json.dumps(v)
            if isinstance(v, dict)
            else str(v).lower()
            if isinstance(v, bool)
            else str(v)
            for k, v in props.items()
            if k not in {"QueueName", "Tags"}
        }
        name = props.get("QueueName", _physical(stack, logical))
        try:
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        except ClientError as err:
            if not _missing(err, "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"):
                raise
            url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        stack.resolver.set(logical, Ref=url, Arn=arn, QueueName=name, QueueUrl=url)
        stack.queue_urls[logical] = url


def _buckets(stack: LocalStack, template: dict[str, Any]) -> None:
    s3 = _client("s3", stack.endpoint, stack.region)
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    for logical, res in cfn.resources_of_type(template, "AWS::S3::Bucket").items():
        props = stack.resolver.resolve(res.get("Properties", {}))
        name = props.get("BucketName", _physical(stack, logical).lower())
        stack.resolver.set(logical, Ref=name, Arn=f"arn:aws:s3:::{name}")
        if name in existing:
            continue
        kwargs: dict[str, Any] = {"Bucket": name}
        if stack.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": stack.region}
        s3.create_bucket(**kwargs)
        if "VersioningConfiguration" in props:
            s3.put_bucket_versioning(
                Bucket=name, VersioningConfiguration=props["VersioningConfiguration"]
            )
        if "BucketEncryption" in props:
            rules = [
                {"ApplyServerSideEncryptionByDefault": r["ServerSideEncryptionByDefault"]}
                for r in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
            ]
            s3.put_bucket_encryption(
                Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules}
            )
        if "PublicAccessBlockConfiguration" in props:
            s3.put_public_access_block(
                Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
            )
        queue_configs = props.get("NotificationConfiguration", {}).get("QueueConfigurations", [])
        if queue_configs:
            s3.put_bucket_notification_configuration(
                Bucket=name,
                NotificationConfiguration={
                    "QueueConfigurations": [
                        {"QueueArn": q["Queue"], "Events": [q["Event"]]}
                        | ({"Filter": {"Key": {"FilterRules": q["Filter"]["S3Key"]["Rules"]}}}
                           if "Filter" in q else {})
                        for q in queue_configs
                    ]
                },
            )


def _tables(stack: LocalStack, template: dict[str, Any]) -> None:
    ddb = _client("dynamodb", stack.endpoint, stack.region)
    for logical, res in cfn.resources_of_type(template, "AWS::DynamoDB::Table").items():
        props = res["Properties"]
        name = props.get("TableName", _physical(stack, logical))
        kwargs = _pick(
            props,
            "AttributeDefinitions",
            "KeySchema",
            "BillingMode",
            "GlobalSecondaryIndexes",
            "LocalSecondaryIndexes",
            "StreamSpecification",
        )
        if "StreamSpecification" in kwargs:  # CloudFormation's has no StreamEnabled; the API's does
            kwargs["StreamSpecification"] = {"StreamEnabled": True} | kwargs["StreamSpecification"]
        try:
            table = ddb.describe_table(TableName=name)["Table"]
        except ClientError as err:
            if not _missing(err, "ResourceNotFoundException"):
                raise
            table = ddb.create_table(TableName=name, **kwargs)["TableDescription"]
            ttl = props.get("TimeToLiveSpecification")
            if ttl:
                ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        else:
            _indexes_as_declared(ddb, table, kwargs)
        stack.resolver.set(logical, Ref=name, Arn=table["TableArn"])
        if "LatestStreamArn" in table:
            stack.resolver.set(logical, StreamArn=table["LatestStreamArn"])


def _indexes_as_declared(ddb: Any, table: dict[str, Any], declared: dict[str, Any]) -> None:
    """A table a restored state kept gets the global secondary indexes the template declares and
    it lacks, one UpdateTable each as DynamoDB builds them (a CloudFormation update does the same);
    one declared with other keys or another projection is dropped and built again."""
    have = {i["IndexName"]: i for i in table.get("GlobalSecondaryIndexes", [])}
    for index in declared.get("GlobalSecondaryIndexes", []):
        found = have.get(index["IndexName"])
        if found is not None and (found["KeySchema"], found["Projection"]["ProjectionType"]) == (
                index["KeySchema"], index["Projection"]["ProjectionType"]):
            continue
        if found is not None:
            ddb.update_table(TableName=table["TableName"],
                             GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": index["IndexName"]}}])
        ddb.update_table(TableName=table["TableName"], AttributeDefinitions=declared["AttributeDefinitions"],
                         GlobalSecondaryIndexUpdates=[{"Create": index}])


def _user_pools(stack: LocalStack, template: dict[str, Any]) -> None:
    idp = _client("cognito-idp", stack.endpoint, stack.region)
    for logical, res in cfn.resources_of_type(template, "AWS::Cognito::UserPool").items():
        props = stack.resolver.resolve(
            {k: v for k, v in res["Properties"].items() if k != "SmsConfiguration"}
        )
        name = props.get("UserPoolName", _physical(stack, logical))
        pools = idp.list_user_pools(MaxResults=60)["UserPools"]
        found = next((p["Id"] for p in pools if p["Name"] == name), None)
        if found:
            pool = idp.describe_user_pool(UserPoolId=found)["UserPool"]
        else:
            pool = idp.create_user_pool(
                PoolName=name,
                **_pick(
                    props,
                    "Policies",
                    "UsernameAttributes",
                    "AutoVerifiedAttributes",
                    "Schema",
                    "MfaConfiguration",
                ),
            )["UserPool"]
        stack.resolver.set(
            logical,
            Ref=pool["Id"],
            Arn=pool["Arn"],
            ProviderURL=f"cognito-idp.{stack.region}.amazonaws.com/{pool['Id']}",
        )
    for logical, res in cfn.resources_of_type(template, "AWS::Cognito::UserPoolClient").items():
        props = stack.resolver.resolve(res["Properties"])
        name = props.get("ClientName", logical)
        clients = idp.list_user_pool_clients(UserPoolId=props["UserPoolId"], MaxResults=60)
        found = next((c for c in clients["UserPoolClients"] if c["ClientName"] == name), None)
        if found:
            stack.resolver.set(logical, Ref=found["ClientId"])
            continue
        client = idp.create_user_pool_client(
            UserPoolId=props["UserPoolId"],
            ClientName=name,
            **_pick(
                props,
                "GenerateSecret",
                "ExplicitAuthFlows",
                "PreventUserExistenceErrors",
                "AccessTokenValidity",
                "IdTokenValidity",
                "RefreshTokenValidity",
                "TokenValidityUnits",
                "EnableTokenRevocation",
                "ReadAttributes",
                "WriteAttributes",  # moto stores it; moto_cognito makes it enforced
            ),
        )["UserPoolClient"]
        stack.resolver.set(logical, Ref=client["ClientId"])
    for logical, res in cfn.resources_of_type(template, "AWS::Cognito::UserPoolResourceServer").items():
        props = stack.resolver.resolve(res["Properties"])
        try:
            idp.describe_resource_server(UserPoolId=props["UserPoolId"], Identifier=props["Identifier"])
        except ClientError as err:
            if not _missing(err, "ResourceNotFoundException"):
                raise
            idp.create_resource_server(**_pick(props, "UserPoolId", "Identifier", "Name", "Scopes"))
        stack.resolver.set(logical, Ref=props["Identifier"])
    for logical, res in cfn.resources_of_type(template, "AWS::Cognito::UserPoolDomain").items():
        # the peers' token endpoint is the local gateway's /oauth2/token (infra.local.moto_cognito)
        stack.resolver.set(logical, Ref=stack.resolver.resolve(res["Properties"])["Domain"])
    for logical, res in cfn.resources_of_type(template, "AWS::Cognito::UserPoolGroup").items():
        props = stack.resolver.resolve(res["Properties"])
        try:
            idp.get_group(GroupName=props["GroupName"], UserPoolId=props["UserPoolId"])
        except ClientError as err:
            if not _missing(err, "ResourceNotFoundException"):
                raise
            idp.create_group(**_pick(props, "GroupName", "UserPoolId", "Description", "Precedence"))
        stack.resolver.set(logical, Ref=props["GroupName"])
