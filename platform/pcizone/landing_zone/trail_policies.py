"""Policies of the organization trail's management-account side: its CloudWatch Logs key and
the role CloudTrail uses to deliver events to CloudWatch Logs."""

from __future__ import annotations

from pcizone.landing_zone.alert_topic import alert_publishers_key_statement
from pcizone.landing_zone.documents import Document, document, statement
from pcizone.landing_zone.log_archive_policies import key_administration


def trail_arn(region: str, management_account_id: str, name: str) -> str:
    """An organization trail's ARN (known before the trail exists, for the policies)."""
    return f"arn:aws:cloudtrail:{region}:{management_account_id}:trail/{name}"


def audit_events_key_policy(region: str, management_account_id: str) -> Document:
    """The management account's key for the trail's log group and the security alert topic."""
    return document(
        key_administration(management_account_id),
        statement(
            "CloudWatchLogsEncrypt",
            "Allow",
            principal={"Service": f"logs.{region}.amazonaws.com"},
            actions=[
                "kms:Encrypt*",
                "kms:Decrypt*",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:Describe*",
            ],
            resources="*",
            condition={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": (
                        f"arn:aws:logs:{region}:{management_account_id}:log-group:*"
                    )
                }
            },
        ),
        alert_publishers_key_statement(management_account_id),
    )


def cloudtrail_logs_trust(management_account_id: str) -> Document:
    return document(
        statement(
            "CloudTrailDelivers",
            "Allow",
            principal={"Service": "cloudtrail.amazonaws.com"},
            actions="sts:AssumeRole",
            condition={"StringEquals": {"aws:SourceAccount": management_account_id}},
        )
    )


def cloudtrail_logs_permissions(log_group_arn: str) -> Document:
    return document(
        statement(
            "WriteTrailEvents",
            "Allow",
            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
            resources=f"{log_group_arn}:log-stream:*",
        )
    )
