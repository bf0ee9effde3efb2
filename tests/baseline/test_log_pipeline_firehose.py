"""The log pipeline: subscription -> Firehose -> this account's prefix of the log archive."""

from __future__ import annotations

from typing import Any

import pytest

STREAM = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


@pytest.mark.parametrize("stage", ["dev", "staging", "prod"])
def test_stream_encrypts_buffers_and_archive_objects_and_keeps_failures(
    stages: Any, org_outputs: dict[str, Any], stage: str
) -> None:
    run = stages[stage]
    account = org_outputs["accountIds"][stage]
    logs_key = run.one("aws:kms/key:Key", "logs-key").outputs["arn"]
    stream = run.one(STREAM, "log-archive").inputs
    assert stream["name"] == f"pcz-{stage}-log-archive"
    assert stream["destination"] == "extended_s3"
    assert stream["serverSideEncryption"] == {
        "enabled": True,
        "keyType": "CUSTOMER_MANAGED_CMK",
        "keyArn": logs_key,
    }
    s3 = stream["extendedS3Configuration"]
    assert s3["bucketArn"] == org_outputs["logArchiveBucketArn"]
    assert s3["kmsKeyArn"] == org_outputs["logArchiveKeyArn"]
    assert s3["roleArn"] == f"arn:aws:iam::{account}:role/pcz-{stage}-log-delivery"
    assert s3["prefix"] == f"CloudWatchLogs/{account}/delivered/!{{timestamp:yyyy/MM/dd}}/"
    assert s3["errorOutputPrefix"] == (
        f"CloudWatchLogs/{account}/failed/!{{firehose:error-output-type}}/!{{timestamp:yyyy/MM/dd}}/"
    )
    assert (s3["bufferingSize"], s3["bufferingInterval"]) == (5, 300)
    assert s3["compressionFormat"] == "UNCOMPRESSED"
    errors = run.one("aws:cloudwatch/logGroup:LogGroup", "log-delivery-errors")
    assert s3["cloudwatchLoggingOptions"] == {
        "enabled": True,
        "logGroupName": errors.inputs["name"],
        "logStreamName": "S3Delivery",
    }
    assert errors.inputs["kmsKeyId"] == logs_key
    assert errors.inputs["retentionInDays"] == 400


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_delivery_role_writes_only_its_prefix_under_the_archive_key(
    stages: Any, org_outputs: dict[str, Any], stage: str
) -> None:
    run = stages[stage]
    account = org_outputs["accountIds"][stage]
    bucket = org_outputs["logArchiveBucketArn"]
    (trust,) = run.doc(run.one(ROLE, "log-delivery"), "assumeRolePolicy")["Statement"]
    assert trust["Principal"] == {"Service": "firehose.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": account}}
    policy = run.sids(run.one(ROLE_POLICY, "log-delivery"))
    assert policy["WriteOwnPrefix"]["Resource"] == f"{bucket}/CloudWatchLogs/{account}/*"
    assert policy["LocateArchive"]["Resource"] == bucket
    encrypt = policy["EncryptUnderArchiveKey"]
    assert encrypt["Resource"] == org_outputs["logArchiveKeyArn"]
    assert encrypt["Condition"]["StringEquals"] == {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}
    errors = run.one("aws:cloudwatch/logGroup:LogGroup", "log-delivery-errors").outputs["arn"]
    assert policy["ReportDeliveryErrors"]["Resource"] == f"{errors}:log-stream:*"


@pytest.mark.parametrize("stage", ["dev", "staging", "prod"])
def test_the_archive_trusts_exactly_the_delivery_role_each_stage_creates(
    stages: Any, org_run: Any, stage: str
) -> None:
    """The org stack names the stage roles before they exist; the names must match."""
    created = stages[stage].one(ROLE, "log-delivery").outputs["arn"]
    key = org_run.sids(org_run.one("aws:kms/key:Key", "log-archive-key"))
    assert created in key["StageLogDeliveryEncrypt"]["Condition"]["ArnEquals"]["aws:PrincipalArn"]
    bucket = org_run.sids(org_run.one("aws:s3/bucketPolicy:BucketPolicy", "log-archive-policy"))
    for sid in ("StageLogDeliveryBucketAccess", "StageLogDeliveryWrite"):
        assert created in bucket[sid]["Condition"]["ArnEquals"]["aws:PrincipalArn"]


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_subscription_sends_every_event_of_the_log_group_to_the_stream(
    stages: Any, org_outputs: dict[str, Any], stage: str
) -> None:
    run = stages[stage]
    account = org_outputs["accountIds"][stage]
    group = run.one("aws:cloudwatch/logGroup:LogGroup", "app-logs")
    subscription = run.one(
        "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter",
        "app-logs-archive-subscription",
    )
    stream = run.one(STREAM, "log-archive")
    role = run.one(ROLE, "log-subscription")
    assert subscription.inputs == {
        "name": "pcizone-log-pipeline",
        "logGroup": group.inputs["name"],
        "filterPattern": "",
        "destinationArn": stream.outputs["arn"],
        "roleArn": role.outputs["arn"],
    }
    assert subscription.parent == group.urn
    assert run.one(ROLE_POLICY, "log-subscription").urn in subscription.dependencies
    (trust,) = run.doc(role, "assumeRolePolicy")["Statement"]
    assert trust["Principal"] == {"Service": "logs.amazonaws.com"}
    assert trust["Condition"] == {
        "StringLike": {"aws:SourceArn": f"arn:aws:logs:eu-west-1:{account}:*"},
        "StringEquals": {"aws:SourceAccount": account},
    }
    (put,) = run.doc(run.one(ROLE_POLICY, "log-subscription"))["Statement"]
    assert put["Action"] == ["firehose:PutRecord", "firehose:PutRecordBatch"]
    assert put["Resource"] == stream.outputs["arn"]
