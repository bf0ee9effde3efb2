"""Key policies: administrators manage a key, only named services may use it for our roles.

AWS's guidance is to give the account root access in the key policy so that IAM can manage the
key; here root gets the *administrative* actions only. Cryptographic use is granted through
the AWS services that hold the data (`kms:ViaService`), and only to this account's deployer
role and the workload roles this platform names (`pcz-*`, tagged workload), so a role needs
both this key policy and its own IAM policy naming the key. Every key denies kms:Decrypt to
principals tagged human. PCI DSS 3.5.1, 3.6.1, 3.7.1, 7.2.1, 7.2.2.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi

from pcizone.core.naming import TAG_PRINCIPAL_TYPE, DataClass, PrincipalType
from pcizone.data.placement import PARTITION
from pcizone.data.policy_documents import Statement

ADMIN_ACTIONS = (
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RetireGrant",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
)
USE_ACTIONS = (
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
)
GRANT_ACTIONS = ("kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant")
WORKLOAD_ROLE_PATTERN = "role/pcz-*"
WORKLOAD_TAG_KEY = f"aws:PrincipalTag/{TAG_PRINCIPAL_TYPE}"


class KeyClass(enum.StrEnum):
    """The four data classes that each get their own key (the stack output's key names)."""

    CARDHOLDER_DATA = "cardholderData"
    LOGS = "logs"
    QUEUES = "queues"
    SECRETS = "secrets"


@dataclass(frozen=True)
class KeySpec:
    key_class: KeyClass
    slug: str  # physical names: alias/pcz-<stage>-<slug>
    data_class: DataClass
    description: str
    # Services that use the key on behalf of our roles (kms:ViaService).
    via_services: tuple[str, ...]
    # Services that use the key as themselves (service principals), with their conditions.
    service_principals: tuple[str, ...] = field(default=())


KEY_SPECS: dict[KeyClass, KeySpec] = {
    KeyClass.CARDHOLDER_DATA: KeySpec(
        KeyClass.CARDHOLDER_DATA,
        "cardholder-data",
        DataClass.CARDHOLDER_DATA,
        "Aurora storage, Performance Insights and backups of the payments ledger",
        via_services=("rds", "backup"),
    ),
    KeyClass.LOGS: KeySpec(
        KeyClass.LOGS,
        "logs",
        DataClass.LOGS,
        "CloudWatch log groups and the log pipeline's stream",
        via_services=("firehose",),
        service_principals=("logs",),
    ),
    KeyClass.QUEUES: KeySpec(
        KeyClass.QUEUES,
        "queues",
        DataClass.CARDHOLDER_DATA,
        "Payment queues, their dead-letter queues and the alarm topic",
        via_services=("sqs", "sns"),
        service_principals=("cloudwatch",),
    ),
    KeyClass.SECRETS: KeySpec(
        KeyClass.SECRETS,
        "secrets",
        DataClass.SECRETS,
        "Secrets Manager secrets (Aurora master, processor key) and Lambda environments",
        via_services=("secretsmanager", "lambda", "rds"),
    ),
}


def key_policy_statements(
    spec: KeySpec,
    *,
    account_id: pulumi.Input[str],
    region: str,
    deployer_role: str,
) -> list[Statement]:
    """The statements of one key's policy (plain data; Outputs only for the account id)."""
    root = pulumi.Output.concat(f"arn:{PARTITION}:iam::", account_id, ":root")
    via = sorted(f"{service}.{region}.amazonaws.com" for service in spec.via_services)
    services = {"kms:CallerAccount": account_id, "kms:ViaService": via}
    # Two kinds of caller, each its own statement (conditions within one statement all apply):
    # workload roles named pcz-* AND tagged workload (never a person's role, whatever its
    # name), and the deployer role, which creates the resources and their KMS grants.
    callers = {
        "Workloads": {
            "StringEquals": {**services, WORKLOAD_TAG_KEY: PrincipalType.WORKLOAD.value},
            "ArnLike": {
                "aws:PrincipalArn": pulumi.Output.concat(
                    f"arn:{PARTITION}:iam::", account_id, f":{WORKLOAD_ROLE_PATTERN}"
                )
            },
        },
        "Deployer": {
            "StringEquals": services,
            "ArnEquals": {
                "aws:PrincipalArn": pulumi.Output.concat(
                    f"arn:{PARTITION}:iam::", account_id, f":role/{deployer_role}"
                )
            },
        },
    }
    statements: list[Statement] = [
        {
            "Sid": "AccountAdministersKey",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": list(ADMIN_ACTIONS),
            "Resource": "*",  # in a key policy, "*" means this key
        }
    ]
    for caller, condition in callers.items():
        statements.append(
            {
                "Sid": f"{caller}UseThroughDataServices",
                "Effect": "Allow",
                "Principal": {"AWS": root},
                "Action": list(USE_ACTIONS),
                "Resource": "*",
                "Condition": condition,
            }
        )
        statements.append(
            {
                "Sid": f"{caller}GrantToDataServices",
                "Effect": "Allow",
                "Principal": {"AWS": root},
                "Action": list(GRANT_ACTIONS),
                "Resource": "*",
                "Condition": {**condition, "Bool": {"kms:GrantIsForAWSResource": "true"}},
            }
        )
    statements.extend(_service_principal_statements(spec.service_principals, account_id, region))
    statements.append(
        {
            "Sid": "DenyDecryptToHumans",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {"StringEquals": {WORKLOAD_TAG_KEY: PrincipalType.HUMAN.value}},
        }
    )
    return statements


def _service_principal_statements(
    services: Sequence[str], account_id: pulumi.Input[str], region: str
) -> list[Statement]:
    out: list[Statement] = []
    for service in services:
        if service == "logs":
            # CloudWatch Logs encrypts each group under an encryption context naming the group.
            group_arns = pulumi.Output.concat(
                f"arn:{PARTITION}:logs:{region}:", account_id, ":log-group:*"
            )
            out.append(
                {
                    "Sid": "CloudWatchLogsEncryptsGroups",
                    "Effect": "Allow",
                    "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                    "Action": [
                        "kms:Decrypt",
                        "kms:DescribeKey",
                        "kms:Encrypt",
                        "kms:GenerateDataKey",
                        "kms:GenerateDataKeyWithoutPlaintext",
                        "kms:ReEncryptFrom",
                        "kms:ReEncryptTo",
                    ],
                    "Resource": "*",
                    "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": group_arns}},
                }
            )
        elif service == "cloudwatch":
            # CloudWatch alarms publish to the encrypted alarm topic as the service itself.
            out.append(
                {
                    "Sid": "CloudWatchAlarmsPublish",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudwatch.amazonaws.com"},
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                }
            )
        else:
            raise ValueError(f"no key policy statement is defined for service principal {service}")
    return out
