"""Guardrails that keep the audit trail running, its archive intact and log groups encrypted."""

from __future__ import annotations

from pcizone.landing_zone.documents import document, statement
from pcizone.landing_zone.scps.inputs import Guardrail, GuardrailInputs, Placement


def protect_audit_logs(inputs: GuardrailInputs) -> Guardrail:
    return Guardrail(
        key="protect-audit-logs",
        description=(
            "PCI DSS 10.2.1, 10.3.2, 10.3.3, 10.5.1: CloudTrail cannot be stopped, deleted or"
            " changed, and the log archive buckets and their objects cannot be deleted or"
            " reconfigured except by the organization's deploy role."
        ),
        document=document(
            statement(
                "DenyTrailTampering",
                "Deny",
                actions=[
                    "cloudtrail:StopLogging",
                    "cloudtrail:DeleteTrail",
                    "cloudtrail:UpdateTrail",
                    "cloudtrail:PutEventSelectors",
                ],
                resources="*",
            ),
            statement(
                "DenyLogArchiveDeletion",
                "Deny",
                actions=["s3:DeleteBucket", "s3:DeleteObject", "s3:DeleteObjectVersion"],
                resources=inputs.log_bucket_arns(),
            ),
            statement(
                "DenyLogArchiveReconfiguration",
                "Deny",
                actions=[
                    "s3:PutBucketPolicy",
                    "s3:DeleteBucketPolicy",
                    "s3:PutBucketVersioning",
                    "s3:PutBucketObjectLockConfiguration",
                    "s3:PutEncryptionConfiguration",
                    "s3:PutLifecycleConfiguration",
                    "s3:PutBucketLogging",
                    "s3:PutBucketPublicAccessBlock",
                    "s3:PutBucketOwnershipControls",
                ],
                resources=inputs.log_bucket_arns(),
                condition={"ArnNotLike": {"aws:PrincipalArn": inputs.deployer_arns()}},
            ),
        ),
        placement=Placement.ROOT,
    )


def protect_log_encryption() -> Guardrail:
    return Guardrail(
        key="protect-log-encryption",
        description=(
            "PCI DSS 3.5.1, 10.3.2: CloudWatch log groups stay encrypted; nobody can remove"
            " their KMS key."
        ),
        document=document(
            statement(
                "DenyLogGroupKmsDisassociation",
                "Deny",
                actions="logs:DisassociateKmsKey",
                resources="*",
            )
        ),
        placement=Placement.LEAF,
    )
