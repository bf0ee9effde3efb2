"""Secrets Manager: secrets encrypted with a customer managed key and rotated."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from pcizone.policy import aws_types as t
from pcizone.policy import values
from pcizone.policy.checks import customer_managed_key
from pcizone.policy.spec import Level, Severity, resource_policy, stack_policy
from pcizone.policy.views import Context, Resource, Stack

AWS_MANAGED_KEY = "alias/aws/secretsmanager"
MAX_ROTATION_DAYS = 90
# A third-party credential (a processor API key) cannot be rotated by a Lambda: the processor
# issues keys. Such a secret declares manual rotation, its period and its runbook instead
# (PCI DSS 8.6.3 with a targeted risk analysis under 12.3.1).
TAG_ROTATION = "pcizone:rotation"
TAG_ROTATION_DAYS = "pcizone:rotation-max-days"
RUNBOOK_MARKER = "docs/runbooks/"


@resource_policy(
    "pci-secret-cmk",
    "Secrets Manager secrets are encrypted with a customer managed KMS key.",
    requirements=("3.5.1", "3.6.1", "8.3.2"),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    locked=True,
    types=(t.SECRET,),
    remediation="Set kms_key_id to the stack's secrets key ARN.",
)
def secret_cmk(secret: Resource, _ctx: Context) -> Iterator[str]:
    yield from customer_managed_key(
        "kmsKeyId",
        secret.props.get("kmsKeyId"),
        AWS_MANAGED_KEY,
        unset_detail=", so the secret uses the AWS managed key",
    )


@stack_policy(
    "pci-secret-rotation",
    "Secrets Manager secrets rotate automatically at least every 90 days.",
    requirements=("8.3.9", "8.6.3", "3.7.4"),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    types=(t.SECRET,),
    remediation=(
        "Add an aws.secretsmanager.SecretRotation with rotation_rules "
        "automatically_after_days <= 90 (or a schedule_expression)."
    ),
)
def secret_rotation(secret: Resource, stack: Stack, _ctx: Context) -> Iterator[str]:
    rotations = stack.referrers(secret, (t.SECRET_ROTATION,), "secretId", "name")
    if not rotations:
        manual = _manual_rotation_problem(secret)
        if manual is None:
            return
        yield f"no SecretRotation names this secret, and {manual}"
        return
    for rotation in rotations:
        rules = rotation.props.get("rotationRules")
        days = values.as_number(values.get(rules, "automaticallyAfterDays"))
        schedule = values.as_str(values.get(rules, "scheduleExpression"))
        if days is not None and days <= MAX_ROTATION_DAYS:
            return
        if days is None and schedule is not None:
            return
    yield "no rotation rule of at most 90 days (automaticallyAfterDays or scheduleExpression)"


def _manual_rotation_problem(secret: Resource) -> str | None:
    """None when the secret declares a documented manual rotation of at most 90 days."""
    tags = secret.props.get("tags")
    if not isinstance(tags, Mapping) or tags.get(TAG_ROTATION) != "manual":
        return f"it does not declare manual rotation (tag {TAG_ROTATION}=manual)"
    days = values.as_number(tags.get(TAG_ROTATION_DAYS))
    if days is None or not 0 < days <= MAX_ROTATION_DAYS:
        return f"its manual rotation period ({TAG_ROTATION_DAYS}) is not 1-90 days"
    description = values.as_str(secret.props.get("description")) or ""
    if RUNBOOK_MARKER not in description:
        return f"its description names no rotation runbook ({RUNBOOK_MARKER}...)"
    return None
