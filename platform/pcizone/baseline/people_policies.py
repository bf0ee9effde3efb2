"""People's roles: who may assume them, what they may do, and what none of them may ever read.

People sign in through IAM Identity Center into the security account and assume the role of
the same name in a workload account; break-glass is for when that path is down and starts
from the management account with MFA. Every human role carries the same explicit denies on
cardholder data (PCI DSS 7.2.1, 7.2.2, 3.5.1): an explicit deny beats any allow, including the
AWS managed read-only policies they are given.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from pcizone.core.naming import TAG_DATA_CLASSIFICATION, DataClass
from pcizone.landing_zone.documents import (
    Document,
    Statement,
    account_root,
    document,
    role_arn,
    statement,
)


class Persona(enum.StrEnum):
    PLATFORM_ADMIN = "platform-admin"
    DEVELOPER = "developer"
    AUDITOR = "auditor"
    BREAK_GLASS = "break-glass"


# The platform admin's role name is pcizone:organization.platformRoleName (the only role the
# key guardrail lets disable or delete keys); the others are fixed.
FIXED_ROLE_NAMES = {
    Persona.DEVELOPER: "pcizone-developer",
    Persona.AUDITOR: "pcizone-auditor",
    Persona.BREAK_GLASS: "pcizone-break-glass",
}
SESSION_SECONDS = 3600  # PCI DSS 8.2.8: short sessions; people re-authenticate every hour
MFA_MAX_AGE_SECONDS = "3600"

_MANAGED = "arn:aws:iam::aws:policy/"
MANAGED_POLICIES = {
    Persona.PLATFORM_ADMIN: (f"{_MANAGED}ReadOnlyAccess",),
    Persona.DEVELOPER: (f"{_MANAGED}ReadOnlyAccess",),
    Persona.AUDITOR: (f"{_MANAGED}SecurityAudit",),
    Persona.BREAK_GLASS: (f"{_MANAGED}ReadOnlyAccess",),
}
PROTECTED_KEY_CLASSES = (DataClass.CARDHOLDER_DATA.value, DataClass.SECRETS.value)


def sso_trust(security_account_id: str, role_name: str) -> Document:
    """Only the Identity Center permission set of the same name in the security account."""
    permission_set_role = (
        f"arn:aws:iam::{security_account_id}:role/aws-reserved/sso.amazonaws.com/"
        f"*AWSReservedSSO_{role_name}_*"
    )
    return document(
        statement(
            "IdentityCenterPermissionSet",
            "Allow",
            principal={"AWS": account_root(security_account_id)},
            actions="sts:AssumeRole",
            condition={"ArnLike": {"aws:PrincipalArn": permission_set_role}},
        )
    )


def break_glass_trust(management_account_id: str) -> Document:
    """Emergency access from the management account, with a recent MFA sign-in."""
    return document(
        statement(
            "EmergencyAccessWithMfa",
            "Allow",
            principal={"AWS": account_root(management_account_id)},
            actions="sts:AssumeRole",
            condition={
                "Bool": {"aws:MultiFactorAuthPresent": "true"},
                "NumericLessThan": {"aws:MultiFactorAuthAge": MFA_MAX_AGE_SECONDS},
            },
        )
    )


def cardholder_data_denies(objects_of_account: str | None = None) -> list[Statement]:
    """The statements every human role carries; none can be overridden by an allow.

    People may read no S3 object at all. Pipelines read Pulumi state in the management
    account, so for them `objects_of_account` limits the object deny to that account's own.
    """
    return [
        statement(
            "DenyObjectReads",
            "Deny",
            actions=["s3:GetObject", "s3:GetObjectVersion"],
            resources="arn:aws:s3:::*/*",
            condition=(
                {"StringEquals": {"s3:ResourceAccount": objects_of_account}}
                if objects_of_account is not None
                else None
            ),
        ),
        statement(
            "DenyDataKeyDecrypt",
            "Deny",
            actions=["kms:Decrypt", "kms:ReEncryptFrom"],
            resources="*",
            condition={
                "StringEquals": {
                    f"aws:ResourceTag/{TAG_DATA_CLASSIFICATION}": list(PROTECTED_KEY_CLASSES)
                }
            },
        ),
        statement("DenyLogUnmasking", "Deny", actions="logs:Unmask", resources="*"),
        statement(
            "DenyDatabaseAccess",
            "Deny",
            actions=[
                "rds-db:connect",
                "rds-data:ExecuteStatement",
                "rds-data:BatchExecuteStatement",
                "rds-data:BeginTransaction",
            ],
            resources="*",
        ),
        statement(
            "DenySecretValues",
            "Deny",
            actions=["secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue"],
            resources="*",
        ),
    ]


def deny_cardholder_data_policy() -> Document:
    return document(*cardholder_data_denies())


def platform_admin_permissions(account_id: str) -> Document:
    """Operate what runs (failover, concurrency, redrive, key lifecycle); change nothing else."""
    return document(
        statement(
            "OperateServices",
            "Allow",
            actions=[
                "rds:FailoverDBCluster",
                "rds:FailoverGlobalCluster",
                "rds:SwitchoverGlobalCluster",
                "rds:RebootDBInstance",
                "rds:CreateDBClusterSnapshot",
                "lambda:PutFunctionConcurrency",
                "lambda:DeleteFunctionConcurrency",
                "lambda:UpdateEventSourceMapping",
                "sqs:StartMessageMoveTask",
                "sqs:CancelMessageMoveTask",
                "cloudwatch:DisableAlarmActions",
                "cloudwatch:EnableAlarmActions",
                "securityhub:BatchUpdateFindings",
                "guardduty:ArchiveFindings",
                "backup:StartBackupJob",
                "backup:StartRestoreJob",
                "fis:StartExperiment",
                "fis:StopExperiment",
                "support:*",
            ],
            resources="*",
        ),
        statement(
            "ManageKeyLifecycle",
            "Allow",
            actions=[
                "kms:ScheduleKeyDeletion",
                "kms:CancelKeyDeletion",
                "kms:DisableKey",
                "kms:EnableKey",
                "kms:EnableKeyRotation",
                "kms:RotateKeyOnDemand",
            ],
            resources=f"arn:aws:kms:*:{account_id}:key/*",
        ),
    )


def break_glass_permissions(account_id: str) -> Document:
    """Repair what runs when the pipeline cannot; no IAM, key or secret administration."""
    return document(
        statement(
            "EmergencyOperations",
            "Allow",
            actions=[
                "apigateway:*",
                "autoscaling:*",
                "backup:*",
                "cloudwatch:*",
                "ec2:*",
                "elasticloadbalancing:*",
                "events:*",
                "fis:*",
                "lambda:*",
                "logs:*",
                "rds:*",
                "sns:*",
                "sqs:*",
                "ssm:*",
                "support:*",
            ],
            resources="*",
        ),
        statement(
            "PassWorkloadRoles",
            "Allow",
            actions="iam:PassRole",
            resources=role_arn(account_id, "pcz-*"),
        ),
    )


# Allow policies beyond the persona's AWS managed policy (the others have none).
EXTRA_PERMISSIONS: dict[Persona, Callable[[str], Document]] = {
    Persona.PLATFORM_ADMIN: platform_admin_permissions,
    Persona.BREAK_GLASS: break_glass_permissions,
}
