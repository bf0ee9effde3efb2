"""Handlers create what the program declares in the emulator, with the emulator's real ids."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from pcizone.local.aws_access import AwsAccess
from pcizone.local.moto_extensions import logging_allowed_by_policy

from .conftest import deploy


def test_queues_key_role_function_and_api_land_in_the_emulator(aws: AwsAccess) -> None:
    deployed = deploy(aws, "payments_like", stack="handlers")
    sqs, kms = aws.client("sqs"), aws.client("kms")
    queue_url = sqs.get_queue_url(QueueName=deployed.named("queue").id.rsplit("/", 1)[1])[
        "QueueUrl"
    ]
    assert deployed.run.outputs["queueUrl"] == queue_url == deployed.named("queue").id
    queue = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    dlq_arn = deployed.named("dlq").outputs["arn"]
    key_arn = deployed.run.outputs["keyArn"]
    assert queue["VisibilityTimeout"] == "60"
    assert json.loads(queue["RedrivePolicy"]) == {
        "deadLetterTargetArn": dlq_arn,
        "maxReceiveCount": 3,
    }
    assert queue["KmsMasterKeyId"] == key_arn
    dlq = sqs.get_queue_attributes(QueueUrl=deployed.named("dlq").id, AttributeNames=["All"])
    assert dlq["Attributes"]["MessageRetentionPeriod"] == "1209600"
    assert sqs.list_queue_tags(QueueUrl=queue_url)["Tags"] == {"team": "payments"}
    assert kms.get_key_rotation_status(KeyId=key_arn)["KeyRotationEnabled"] is True

    function_name = deployed.named("worker").id
    config = aws.client("lambda").get_function(FunctionName=function_name)
    assert config["Configuration"]["FunctionArn"] == deployed.run.outputs["functionArn"]
    assert config["Configuration"]["Timeout"] == 10
    assert config["Configuration"]["MemorySize"] == 256
    assert config["Configuration"]["Environment"]["Variables"] == {
        "QUEUE_URL": queue_url,
        "API_TOKEN": "tok-s3cr3t-value",
    }
    assert config["Concurrency"]["ReservedConcurrentExecutions"] == 2

    role = deployed.named("worker-role").id
    iam = aws.client("iam")
    attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["AWSLambdaBasicExecutionRole"]
    inline_id = deployed.named("worker-queue", ":RolePolicy").id
    assert inline_id.startswith(f"{role}:")
    document = iam.get_role_policy(RoleName=role, PolicyName=inline_id.split(":", 1)[1])
    assert (
        document["PolicyDocument"]["Statement"][0]["Resource"]
        == deployed.named("queue").outputs["arn"]
    )

    mappings = aws.client("lambda").list_event_source_mappings(FunctionName=function_name)
    (mapping,) = mappings["EventSourceMappings"]
    # Disabled in the emulator (it would consume messages itself); enabled as declared.
    assert mapping["State"] == "Disabled"
    assert deployed.named("worker-queue", ":EventSourceMapping").outputs["state"] == "Enabled"
    assert mapping["BatchSize"] == 5
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]

    api = aws.client("apigatewayv2")
    api_id = deployed.named("api").id
    (route,) = api.get_routes(ApiId=api_id)["Items"]
    assert route["RouteKey"] == "POST /payments"
    assert route["Target"] == f"integrations/{deployed.named('api-worker').id}"
    integration = api.get_integration(ApiId=api_id, IntegrationId=deployed.named("api-worker").id)
    assert integration["IntegrationUri"] == deployed.named("worker").outputs["invokeArn"]


def test_member_account_resources_land_in_that_account(aws: AwsAccess) -> None:
    deployed = deploy(aws, "accounts", stack="accounts")
    account = deployed.run.outputs["accountId"]
    management = aws.endpoint.management_account
    assert account != management and len(account) == 12
    listed = aws.client("organizations").list_accounts()["Accounts"]
    assert account in {a["Id"] for a in listed}
    role = f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
    assert aws.client("sts", role_arn=role).get_caller_identity()["Account"] == account

    bucket = deployed.run.outputs["bucket"]
    assert deployed.named("data", ":Bucket").placement.account == account
    member_s3 = aws.client("s3", role_arn=role)
    assert bucket in {b["Name"] for b in member_s3.list_buckets()["Buckets"]}
    assert bucket not in {b["Name"] for b in aws.client("s3").list_buckets()["Buckets"]}
    assert member_s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rules = member_s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    assert rules["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    block = member_s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4

    queue_url = deployed.run.outputs["queueUrl"]
    assert f"/{account}/" in queue_url
    assert queue_url in aws.client("sqs", role_arn=role).list_queues()["QueueUrls"]
    assert queue_url not in aws.client("sqs").list_queues().get("QueueUrls", [])


def test_a_type_the_emulator_lacks_gets_a_listed_stand_in(aws: AwsAccess) -> None:
    deployed = deploy(aws, "accounts", stack="stand-in")
    analyzer = deployed.named("analyzer")
    assert analyzer.emulated is False
    assert analyzer.type == "aws:accessanalyzer/analyzer:Analyzer"
    assert analyzer.outputs["arn"].startswith("arn:aws:accessanalyzer:eu-west-1:")
    assert all(r.emulated for r in deployed.mocks.deployed.values() if r is not analyzer)


def test_access_logging_into_a_bucket_whose_policy_denies_everyone_insecure_access(
    aws: AwsAccess,
) -> None:
    deploy(aws, "access_logs", stack="access-logs")
    logging = aws.client("s3").get_bucket_logging(Bucket="pcz-test-data")["LoggingEnabled"]
    assert logging == {"TargetBucket": "pcz-test-access-logs", "TargetPrefix": "data/"}


def test_logging_needs_an_allow_for_the_logging_service() -> None:
    def bucket(*statements: Any) -> SimpleNamespace:
        policy = json.dumps({"Statement": list(statements)}).encode()
        return SimpleNamespace(policy=policy, partition="aws", name="logs")

    deny_all = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}
    allow = {
        "Effect": "Allow",
        "Principal": {"Service": ["logging.s3.amazonaws.com"]},
        "Action": ["s3:PutObject"],
        "Resource": "arn:aws:s3:::logs/data/*",
    }
    assert logging_allowed_by_policy(bucket(deny_all, allow), "data/") is True
    assert logging_allowed_by_policy(bucket(deny_all), "data/") is False
    assert logging_allowed_by_policy(bucket(allow), "other/") is False
