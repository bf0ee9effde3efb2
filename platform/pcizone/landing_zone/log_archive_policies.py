"""Key and bucket policies of the log archive (log-archive account).

These are the documents that most often make an organization trail fail to create, so each
statement follows AWS's documented form: CloudTrail encrypts only for this trail
(`aws:SourceArn`) and only with its encryption context, writes only under
`AWSLogs/<organization id>/` and the management account's path, and may describe the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pcizone.landing_zone.documents import (
    Document,
    Statement,
    account_root,
    deny_insecure_transport,
    document,
    role_arn,
    statement,
)
from pcizone.log_pipeline.names import ARCHIVE_PREFIX

# Key administration without any cryptographic use (people never decrypt through this grant).
KEY_ADMIN_ACTIONS = (
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
    "kms:RotateKeyOnDemand",
)
OWNER_ACL = {"s3:x-amz-acl": "bucket-owner-full-control"}


@dataclass(frozen=True)
class ArchiveFacts:
    """Plain values every archive policy depends on (resolved Outputs)."""

    region: str
    organization_id: str
    management_account_id: str
    log_archive_account_id: str
    workload_account_ids: Mapping[str, str]  # stage -> account id
    delivery_role_names: Mapping[str, str]  # stage -> Firehose delivery role name
    trail_arn: str
    bucket_name: str
    access_log_bucket_name: str
    auditor_role_name: str

    @property
    def bucket_arn(self) -> str:
        return f"arn:aws:s3:::{self.bucket_name}"

    @property
    def access_log_bucket_arn(self) -> str:
        return f"arn:aws:s3:::{self.access_log_bucket_name}"

    @property
    def workload_ids(self) -> list[str]:
        return [self.workload_account_ids[s] for s in sorted(self.workload_account_ids)]

    def delivery_role_arns(self) -> list[str]:
        return [
            role_arn(self.workload_account_ids[s], self.delivery_role_names[s])
            for s in sorted(self.workload_account_ids)
        ]

    def trail_context(self) -> str:
        return f"arn:aws:cloudtrail:*:{self.management_account_id}:trail/*"

    def s3_via(self) -> str:
        return f"s3.{self.region}.amazonaws.com"


def log_archive_key_policy(f: ArchiveFacts) -> Document:
    cloudtrail = {"Service": "cloudtrail.amazonaws.com"}
    return document(
        key_administration(f.log_archive_account_id),
        statement(
            "CloudTrailEncryptLogs",
            "Allow",
            principal=cloudtrail,
            actions="kms:GenerateDataKey*",
            resources="*",
            condition={
                "StringEquals": {"aws:SourceArn": f.trail_arn},
                "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": f.trail_context()},
            },
        ),
        statement(
            "CloudTrailDescribeKey",
            "Allow",
            principal=cloudtrail,
            actions="kms:DescribeKey",
            resources="*",
            condition={"StringEquals": {"aws:SourceArn": f.trail_arn}},
        ),
        statement(
            "AuditorsDecryptLogs",
            "Allow",
            principal={"AWS": role_arn(f.log_archive_account_id, f.auditor_role_name)},
            actions=["kms:Decrypt", "kms:DescribeKey"],
            resources="*",
            condition={"StringEquals": {"kms:ViaService": f.s3_via()}},
        ),
        statement(
            "StageLogDeliveryEncrypt",
            "Allow",
            principal={"AWS": [account_root(a) for a in f.workload_ids]},
            # Decrypt too: S3 multipart uploads under SSE-KMS need it to assemble parts.
            actions=["kms:GenerateDataKey", "kms:Decrypt"],
            resources="*",
            condition={
                "StringEquals": {"kms:ViaService": f.s3_via()},
                "ArnEquals": {"aws:PrincipalArn": f.delivery_role_arns()},
                "StringLike": {
                    "kms:EncryptionContext:aws:s3:arn": [f.bucket_arn, f"{f.bucket_arn}/*"]
                },
            },
        ),
        statement(
            "ConfigDeliveryEncrypt",
            "Allow",
            principal={"Service": "config.amazonaws.com"},
            actions=["kms:GenerateDataKey", "kms:Decrypt"],
            resources="*",
            condition={"StringEquals": {"aws:SourceAccount": f.workload_ids}},
        ),
        statement(
            "AccessLogDeliveryEncrypt",
            "Allow",
            principal={"Service": "logging.s3.amazonaws.com"},
            actions="kms:GenerateDataKey",
            resources="*",
            condition={"StringEquals": {"aws:SourceAccount": f.log_archive_account_id}},
        ),
    )


def key_administration(account_id: str) -> Statement:
    """The account may administer the key through IAM, never use it for cryptography."""
    return statement(
        "KeyAdministration",
        "Allow",
        principal={"AWS": account_root(account_id)},
        actions=list(KEY_ADMIN_ACTIONS),
        resources="*",
    )


def log_archive_bucket_policy(f: ArchiveFacts) -> Document:
    bucket, objects = f.bucket_arn, f"{f.bucket_arn}/*"
    cloudtrail = {"Service": "cloudtrail.amazonaws.com"}
    config = {"Service": "config.amazonaws.com"}
    from_trail = {"aws:SourceArn": f.trail_arn}
    from_workloads = {"aws:SourceAccount": f.workload_ids}
    delivery_principals = {"AWS": [account_root(a) for a in f.workload_ids]}
    delivery_roles = {"ArnEquals": {"aws:PrincipalArn": f.delivery_role_arns()}}
    return document(
        deny_insecure_transport("s3", [bucket, objects]),
        statement(
            "DenyNonKmsUploads",
            "Deny",
            principal="*",
            actions="s3:PutObject",
            resources=objects,
            condition={
                "StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"},
                "Null": {"s3:x-amz-server-side-encryption": "false"},
            },
        ),
        statement(
            "CloudTrailAclCheck",
            "Allow",
            principal=cloudtrail,
            actions="s3:GetBucketAcl",
            resources=bucket,
            condition={"StringEquals": from_trail},
        ),
        statement(
            "CloudTrailManagementAccountWrite",
            "Allow",
            principal=cloudtrail,
            actions="s3:PutObject",
            resources=f"{bucket}/AWSLogs/{f.management_account_id}/*",
            condition={"StringEquals": {**OWNER_ACL, **from_trail}},
        ),
        statement(
            "CloudTrailOrganizationWrite",
            "Allow",
            principal=cloudtrail,
            actions="s3:PutObject",
            resources=f"{bucket}/AWSLogs/{f.organization_id}/*",
            condition={"StringEquals": {**OWNER_ACL, **from_trail}},
        ),
        statement(
            "ConfigBucketCheck",
            "Allow",
            principal=config,
            actions=["s3:GetBucketAcl", "s3:ListBucket"],
            resources=bucket,
            condition={"StringEquals": from_workloads},
        ),
        statement(
            "ConfigWrite",
            "Allow",
            principal=config,
            actions="s3:PutObject",
            resources=[f"{bucket}/AWSLogs/{a}/Config/*" for a in f.workload_ids],
            condition={"StringEquals": {**OWNER_ACL, **from_workloads}},
        ),
        statement(
            "StageLogDeliveryBucketAccess",
            "Allow",
            principal=delivery_principals,
            actions=["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
            resources=bucket,
            condition=delivery_roles,
        ),
        statement(
            "StageLogDeliveryWrite",
            "Allow",
            principal=delivery_principals,
            actions=["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"],
            # Each account writes only under its own prefix.
            resources=f"{bucket}/{ARCHIVE_PREFIX}/${{aws:PrincipalAccount}}/*",
            condition=delivery_roles,
        ),
    )


def access_log_bucket_policy(f: ArchiveFacts) -> Document:
    bucket = f.access_log_bucket_arn
    return document(
        deny_insecure_transport("s3", [bucket, f"{bucket}/*"]),
        statement(
            "ServerAccessLogDelivery",
            "Allow",
            principal={"Service": "logging.s3.amazonaws.com"},
            actions="s3:PutObject",
            resources=f"{bucket}/*",
            condition={
                "ArnLike": {"aws:SourceArn": f.bucket_arn},
                "StringEquals": {"aws:SourceAccount": f.log_archive_account_id},
            },
        ),
    )
