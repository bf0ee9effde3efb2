"""The log archive (log-archive account): its KMS key, the archive and access-log buckets, their
policies, and the auditors' read-only role."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from pcizone.baseline.people_policies import FIXED_ROLE_NAMES, SESSION_SECONDS, Persona, sso_trust
from pcizone.config.models import OrgConfig
from pcizone.core.context import StackContext
from pcizone.core.naming import DataClass, PrincipalType
from pcizone.landing_zone.archive_bucket import ArchiveBucket, archive_bucket
from pcizone.landing_zone.documents import Document, document, render, statement
from pcizone.landing_zone.iam_grammar import DocumentKind
from pcizone.landing_zone.log_archive_policies import (
    ArchiveFacts,
    access_log_bucket_policy,
    log_archive_bucket_policy,
    log_archive_key_policy,
)

COMPONENT = "log-archive"
KEY_DELETION_WINDOW_DAYS = 30
KEY_ROTATION_DAYS = 365
AUDITOR_ROLE = FIXED_ROLE_NAMES[Persona.AUDITOR]


def archive_bucket_pattern(ctx: StackContext[OrgConfig]) -> str:
    """Names of the archive bucket: the stack prefix, then the log-archive account id."""
    return f"{ctx.naming.name('log-archive')}-*"


def access_log_bucket_pattern(ctx: StackContext[OrgConfig]) -> str:
    return f"{ctx.naming.name('access-logs')}-*"


class LogArchive(pulumi.ComponentResource):
    key: aws.kms.Key
    archive: ArchiveBucket
    access_logs: ArchiveBucket
    auditor_role: aws.iam.Role
    bucket_policy: aws.s3.BucketPolicy

    def __init__(
        self,
        name: str,
        ctx: StackContext[OrgConfig],
        provider: aws.Provider,
        *,
        facts: pulumi.Output[ArchiveFacts],
        security_account_id: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pcizone:landing_zone:LogArchive", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        settings = ctx.config.log_archive

        # The auditors' role exists first: KMS rejects a key policy naming a missing principal.
        self.auditor_role = aws.iam.Role(
            "log-auditor",
            name=AUDITOR_ROLE,
            description="People auditing the organization's logs (read-only, PCI DSS 10.4.1)",
            assume_role_policy=pulumi.Output.from_input(security_account_id).apply(
                lambda sec: render(
                    sso_trust(sec, AUDITOR_ROLE), DocumentKind.TRUST, "auditor trust"
                )
            ),
            max_session_duration=SESSION_SECONDS,
            tags=ctx.naming.tags(
                DataClass.LOGS, component=COMPONENT, principal=PrincipalType.HUMAN
            ),
            opts=child,
        )
        key_facts = pulumi.Output.all(facts, self.auditor_role.name).apply(lambda fr: fr[0])
        self.key = aws.kms.Key(
            "log-archive-key",
            description="Encrypts the organization's audit logs (CloudTrail, Config, CloudWatch)",
            key_usage="ENCRYPT_DECRYPT",
            customer_master_key_spec="SYMMETRIC_DEFAULT",
            enable_key_rotation=True,
            rotation_period_in_days=KEY_ROTATION_DAYS,
            deletion_window_in_days=KEY_DELETION_WINDOW_DAYS,
            is_enabled=True,
            multi_region=False,
            bypass_policy_lockout_safety_check=False,
            policy=key_facts.apply(
                lambda f: render(log_archive_key_policy(f), DocumentKind.KEY, "log archive key")
            ),
            tags=ctx.naming.tags(DataClass.LOGS, component=COMPONENT),
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(protect=True)),
        )
        aws.kms.Alias(
            "log-archive-key-alias",
            name=f"alias/{ctx.naming.name('log-archive')}",
            target_key_id=self.key.key_id,
            opts=child,
        )
        tags = ctx.naming.tags(DataClass.LOGS, component=COMPONENT)
        self.access_logs = archive_bucket(
            "access-logs",
            bucket_name=facts.apply(lambda f: f.access_log_bucket_name),
            key_arn=self.key.arn,
            settings=settings,
            # S3 cannot deliver server access logs into a bucket with default Object Lock
            # retention; versioning and the lifecycle still keep them for the retention.
            object_lock=False,
            tags=tags,
            opts=child,
        )
        self.archive = archive_bucket(
            "log-archive",
            bucket_name=facts.apply(lambda f: f.bucket_name),
            key_arn=self.key.arn,
            settings=settings,
            object_lock=True,
            tags=tags,
            opts=child,
        )
        access_logs_policy = aws.s3.BucketPolicy(
            "access-logs-policy",
            bucket=self.access_logs.bucket.id,
            policy=facts.apply(
                lambda f: render(access_log_bucket_policy(f), DocumentKind.BUCKET, "access logs")
            ),
            opts=pulumi.ResourceOptions.merge(
                child, pulumi.ResourceOptions(depends_on=[self.access_logs.public_access_block])
            ),
        )
        # S3 refuses a logging target whose policy does not yet let the logging service write.
        aws.s3.BucketLogging(
            "log-archive-access-logging",
            bucket=self.archive.bucket.id,
            target_bucket=self.access_logs.bucket.id,
            target_prefix="log-archive/",
            opts=pulumi.ResourceOptions.merge(
                child,
                pulumi.ResourceOptions(depends_on=[self.access_logs.bucket, access_logs_policy]),
            ),
        )
        self.bucket_policy = aws.s3.BucketPolicy(
            "log-archive-policy",
            bucket=self.archive.bucket.id,
            policy=facts.apply(
                lambda f: render(log_archive_bucket_policy(f), DocumentKind.BUCKET, "log archive")
            ),
            opts=pulumi.ResourceOptions.merge(
                child, pulumi.ResourceOptions(depends_on=[self.archive.public_access_block])
            ),
        )
        aws.iam.RolePolicyAttachment(
            "log-auditor-security-audit",
            role=self.auditor_role.name,
            policy_arn="arn:aws:iam::aws:policy/SecurityAudit",
            opts=child,
        )
        aws.iam.RolePolicy(
            "log-auditor-read-logs",
            role=self.auditor_role.name,
            policy=pulumi.Output.all(
                self.archive.bucket.arn, self.access_logs.bucket.arn, self.key.arn
            ).apply(lambda arns: render(_auditor_read(*arns), DocumentKind.IDENTITY, "auditor")),
            opts=child,
        )
        self.register_outputs({"bucketArn": self.archive.bucket.arn, "keyArn": self.key.arn})


def _auditor_read(archive_arn: str, access_logs_arn: str, key_arn: str) -> Document:
    buckets = [archive_arn, access_logs_arn]
    return document(
        statement(
            "ListLogBuckets",
            "Allow",
            actions=["s3:ListBucket", "s3:ListBucketVersions", "s3:GetBucketLocation"],
            resources=buckets,
        ),
        statement(
            "ReadLogObjects",
            "Allow",
            actions=["s3:GetObject", "s3:GetObjectVersion"],
            resources=[f"{arn}/*" for arn in buckets],
        ),
        statement(
            "DecryptLogObjects",
            "Allow",
            actions=["kms:Decrypt", "kms:DescribeKey"],
            resources=key_arn,
        ),
    )
