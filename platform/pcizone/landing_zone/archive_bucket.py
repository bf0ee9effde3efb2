"""A hardened archive bucket: SSE-KMS with a bucket key, versioning, optional Object Lock,
public access block, bucket-owner-enforced ownership and a retention lifecycle."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from pcizone.config.org_settings import LogArchiveSettings

ABORT_MULTIPART_DAYS = 7


@dataclass(frozen=True)
class ArchiveBucket:
    bucket: aws.s3.Bucket
    versioning: aws.s3.BucketVersioning
    encryption: aws.s3.BucketServerSideEncryptionConfiguration
    public_access_block: aws.s3.BucketPublicAccessBlock
    lifecycle: aws.s3.BucketLifecycleConfiguration
    object_lock: aws.s3.BucketObjectLockConfiguration | None


def lifecycle_rules(
    settings: LogArchiveSettings,
) -> list[aws.s3.BucketLifecycleConfigurationRuleArgs]:
    """PCI DSS 10.5.1: the last three months stay immediately available (S3 Standard, then
    Glacier Instant Retrieval), older logs go to Deep Archive, and nothing expires before the
    configured retention, current or noncurrent."""
    return [
        aws.s3.BucketLifecycleConfigurationRuleArgs(
            id="retain-audit-logs",
            status="Enabled",
            filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
            transitions=[
                aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(
                    days=settings.instant_retrieval_after_days, storage_class="GLACIER_IR"
                ),
                aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(
                    days=settings.deep_archive_after_days, storage_class="DEEP_ARCHIVE"
                ),
            ],
            expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
                days=settings.retention_days
            ),
            noncurrent_version_transitions=[
                aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionTransitionArgs(
                    noncurrent_days=settings.instant_retrieval_after_days,
                    storage_class="GLACIER_IR",
                ),
                aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionTransitionArgs(
                    noncurrent_days=settings.deep_archive_after_days,
                    storage_class="DEEP_ARCHIVE",
                ),
            ],
            noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                noncurrent_days=settings.retention_days
            ),
            abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                days_after_initiation=ABORT_MULTIPART_DAYS
            ),
        )
    ]


def archive_bucket(
    name: str,
    *,
    bucket_name: pulumi.Input[str],
    key_arn: pulumi.Input[str],
    settings: LogArchiveSettings,
    object_lock: bool,
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
) -> ArchiveBucket:
    """Declare the bucket and its companions; `opts` carries the parent and provider."""
    protected = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(protect=True))
    bucket = aws.s3.Bucket(
        name,
        bucket=bucket_name,
        object_lock_enabled=object_lock,
        force_destroy=False,
        tags=tags,
        opts=protected,
    )
    on_bucket = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[bucket]))
    aws.s3.BucketOwnershipControls(
        f"{name}-ownership",
        bucket=bucket.id,
        rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
        opts=on_bucket,
    )
    public_access_block = aws.s3.BucketPublicAccessBlock(
        f"{name}-public-access",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=on_bucket,
    )
    encryption = aws.s3.BucketServerSideEncryptionConfiguration(
        f"{name}-encryption",
        bucket=bucket.id,
        rules=[
            aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                    sse_algorithm="aws:kms", kms_master_key_id=key_arn
                ),
                bucket_key_enabled=True,
            )
        ],
        opts=on_bucket,
    )
    versioning = aws.s3.BucketVersioning(
        f"{name}-versioning",
        bucket=bucket.id,
        versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
            status="Enabled"
        ),
        opts=on_bucket,
    )
    lock: aws.s3.BucketObjectLockConfiguration | None = None
    if object_lock:
        lock = aws.s3.BucketObjectLockConfiguration(
            f"{name}-object-lock",
            bucket=bucket.id,
            object_lock_enabled="Enabled",
            rule=aws.s3.BucketObjectLockConfigurationRuleArgs(
                default_retention=aws.s3.BucketObjectLockConfigurationRuleDefaultRetentionArgs(
                    mode="COMPLIANCE", days=settings.object_lock_days
                )
            ),
            opts=pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(depends_on=[versioning])
            ),
        )
    lifecycle = aws.s3.BucketLifecycleConfiguration(
        f"{name}-lifecycle",
        bucket=bucket.id,
        rules=lifecycle_rules(settings),
        transition_default_minimum_object_size="all_storage_classes_128K",
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[versioning])),
    )
    return ArchiveBucket(bucket, versioning, encryption, public_access_block, lifecycle, lock)
