"""Guardrails that keep keys alive and stored data encrypted."""

from __future__ import annotations

from pcizone.landing_zone.documents import document, role_arn, statement
from pcizone.landing_zone.scps.inputs import Guardrail, GuardrailInputs, Placement

_SSE_HEADER = "s3:x-amz-server-side-encryption"


def protect_keys(inputs: GuardrailInputs) -> Guardrail:
    return Guardrail(
        key="protect-kms-keys",
        description=(
            "PCI DSS 3.6.1, 3.7.1, 3.7.5: only the platform role may schedule deletion of,"
            " disable, or stop rotating KMS keys, so data cannot be made unreadable by accident."
        ),
        document=document(
            statement(
                "DenyKeyDestruction",
                "Deny",
                actions=[
                    "kms:ScheduleKeyDeletion",
                    "kms:DisableKey",
                    "kms:DisableKeyRotation",
                    "kms:DeleteImportedKeyMaterial",
                ],
                resources="*",
                condition={"ArnNotLike": {"aws:PrincipalArn": role_arn("*", inputs.platform_role)}},
            )
        ),
        placement=Placement.TOP_LEVEL,
    )


def require_encrypted_storage() -> Guardrail:
    # S3 encrypts every object; the header is checked only when a client sends one, so that
    # uploads relying on the bucket's default SSE-KMS keep working.
    return Guardrail(
        key="require-encrypted-storage",
        description=(
            "PCI DSS 3.5.1: RDS and Aurora storage must be encrypted, and S3 uploads may not"
            " ask for anything weaker than SSE-KMS."
        ),
        document=document(
            statement(
                "DenyUnencryptedRds",
                "Deny",
                actions=["rds:CreateDBInstance", "rds:CreateDBCluster"],
                resources="*",
                condition={"Bool": {"rds:StorageEncrypted": "false"}},
            ),
            statement(
                "DenyRdsClusterWithoutEncryption",
                "Deny",
                actions="rds:CreateDBCluster",
                resources="*",
                condition={"Null": {"rds:StorageEncrypted": "true"}},
            ),
            statement(
                "DenyNonKmsUploads",
                "Deny",
                actions="s3:PutObject",
                resources="*",
                condition={
                    "StringNotEquals": {_SSE_HEADER: ["aws:kms", "aws:kms:dsse"]},
                    "Null": {_SSE_HEADER: "false"},
                },
            ),
        ),
        placement=Placement.LEAF,
    )
