"""Trust and permission documents of the log pipeline's two roles (stage account)."""

from __future__ import annotations

from pcizone.landing_zone.documents import Document, document, statement
from pcizone.log_pipeline.names import ARCHIVE_PREFIX

FIREHOSE_WRITE_ACTIONS = ("firehose:PutRecord", "firehose:PutRecordBatch")


def archive_prefix(account_id: str) -> str:
    """Where this account's logs land in the archive (the bucket policy allows only this)."""
    return f"{ARCHIVE_PREFIX}/{account_id}/"


def subscription_trust(region: str, account_id: str) -> Document:
    """CloudWatch Logs of this account and region may hand events to the stream."""
    return document(
        statement(
            "CloudWatchLogsSubscriptions",
            "Allow",
            principal={"Service": "logs.amazonaws.com"},
            actions="sts:AssumeRole",
            condition={
                "StringLike": {"aws:SourceArn": f"arn:aws:logs:{region}:{account_id}:*"},
                "StringEquals": {"aws:SourceAccount": account_id},
            },
        )
    )


def subscription_permissions(stream_arn: str) -> Document:
    return document(
        statement(
            "PutIntoStream", "Allow", actions=list(FIREHOSE_WRITE_ACTIONS), resources=stream_arn
        )
    )


def delivery_trust(account_id: str) -> Document:
    return document(
        statement(
            "FirehoseDelivers",
            "Allow",
            principal={"Service": "firehose.amazonaws.com"},
            actions="sts:AssumeRole",
            condition={"StringEquals": {"aws:SourceAccount": account_id}},
        )
    )


def delivery_permissions(
    *,
    region: str,
    account_id: str,
    bucket_arn: str,
    archive_key_arn: str,
    error_log_group_arn: str,
) -> Document:
    """Write this account's prefix of the archive under the archive key; log failures."""
    return document(
        statement(
            "LocateArchive",
            "Allow",
            actions=["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
            resources=bucket_arn,
        ),
        statement(
            "WriteOwnPrefix",
            "Allow",
            actions=["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"],
            resources=f"{bucket_arn}/{archive_prefix(account_id)}*",
        ),
        statement(
            "EncryptUnderArchiveKey",
            "Allow",
            actions=["kms:GenerateDataKey", "kms:Decrypt"],
            resources=archive_key_arn,
            condition={
                "StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"},
                "StringLike": {"kms:EncryptionContext:aws:s3:arn": [bucket_arn, f"{bucket_arn}/*"]},
            },
        ),
        statement(
            "ReportDeliveryErrors",
            "Allow",
            actions="logs:PutLogEvents",
            resources=f"{error_log_group_arn}:log-stream:*",
        ),
    )
