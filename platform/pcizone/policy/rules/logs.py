"""CloudWatch log groups: encrypted with a KMS key and kept for at least a year."""

from __future__ import annotations

from collections.abc import Iterator

from pcizone.policy import aws_types as t
from pcizone.policy import values
from pcizone.policy.checks import strings_set
from pcizone.policy.spec import Level, Severity, resource_policy
from pcizone.policy.views import Context, Resource

MIN_RETENTION_DAYS = 365


@resource_policy(
    "pci-logs-kms",
    "CloudWatch log groups are encrypted with a customer managed KMS key.",
    requirements=("3.5.1", "10.3.2"),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    locked=True,
    types=(t.LOG_GROUP,),
    remediation="Set kms_key_id to the stack's logs key ARN.",
)
def logs_kms(group: Resource, _ctx: Context) -> Iterator[str]:
    yield from strings_set(group, "kmsKeyId")


@resource_policy(
    "pci-logs-retention",
    "CloudWatch log groups keep events for at least 365 days.",
    requirements=("10.5.1",),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    types=(t.LOG_GROUP,),
    remediation="Set retention_in_days to 365 or more (the stack's logs.retentionDays).",
)
def logs_retention(group: Resource, _ctx: Context) -> Iterator[str]:
    days = values.as_number(group.props.get("retentionInDays"))
    if days is None:
        yield "retentionInDays is not set"
    elif days == 0:
        return  # 0 is CloudWatch's "never expire"
    elif days < MIN_RETENTION_DAYS:
        yield f"retentionInDays is {values.fmt_number(days)}, below 365"
