"""CloudTrail: one organization trail, multi-region, validated, KMS encrypted, sent to CloudWatch."""

from __future__ import annotations

from collections.abc import Iterator

from pcizone.policy import aws_types as t
from pcizone.policy import values
from pcizone.policy.checks import flags_true, strings_set
from pcizone.policy.rules.select import whole_stack_policy
from pcizone.policy.spec import Level, Severity, StackKind, resource_policy
from pcizone.policy.views import Context, Resource, Stack


@resource_policy(
    "pci-trail-multi-region",
    "CloudTrail trails record every region and global service events.",
    requirements=("10.2.1", "10.2.2"),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    types=(t.CLOUDTRAIL,),
    remediation="Set is_multi_region_trail=True and include_global_service_events=True.",
)
def trail_multi_region(trail: Resource, _ctx: Context) -> Iterator[str]:
    yield from flags_true(trail, "isMultiRegionTrail", "includeGlobalServiceEvents")


@resource_policy(
    "pci-trail-log-validation",
    "CloudTrail trails write digest files so that log tampering can be detected.",
    requirements=("10.3.2", "10.3.4"),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    types=(t.CLOUDTRAIL,),
    remediation="Set enable_log_file_validation=True.",
)
def trail_log_validation(trail: Resource, _ctx: Context) -> Iterator[str]:
    yield from flags_true(trail, "enableLogFileValidation")


@resource_policy(
    "pci-trail-kms",
    "CloudTrail trails encrypt log files with a customer managed KMS key.",
    requirements=("3.5.1", "10.3.2"),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    locked=True,
    types=(t.CLOUDTRAIL,),
    remediation="Set kms_key_id to the log archive key ARN.",
)
def trail_kms(trail: Resource, _ctx: Context) -> Iterator[str]:
    yield from strings_set(trail, "kmsKeyId")


@resource_policy(
    "pci-trail-cloudwatch",
    "CloudTrail trails deliver events to a CloudWatch log group for alerting.",
    requirements=("10.4.1", "10.4.1.1", "10.7.1"),
    severity=Severity.MEDIUM,
    enforcement=Level.MANDATORY,
    types=(t.CLOUDTRAIL,),
    remediation="Set cloud_watch_logs_group_arn (with ':*') and cloud_watch_logs_role_arn.",
)
def trail_cloudwatch(trail: Resource, _ctx: Context) -> Iterator[str]:
    yield from strings_set(trail, "cloudWatchLogsGroupArn", "cloudWatchLogsRoleArn")


@whole_stack_policy(
    "pci-org-trail",
    "The org stack declares an organization trail that logs every account of the organization.",
    requirements=("10.2.1", "10.2.1.2", "A3.3.1"),
    severity=Severity.CRITICAL,
    enforcement=Level.MANDATORY,
    kinds=(StackKind.ORG,),
    remediation="Declare an aws.cloudtrail.Trail with is_organization_trail=True in the org stack.",
)
def org_trail(_subject: Resource, stack: Stack, _ctx: Context) -> Iterator[str]:
    trails = stack.of_type(t.CLOUDTRAIL)
    if not any(values.as_bool(r.props.get("isOrganizationTrail")) is True for r in trails):
        yield (
            f"none of the {len(trails)} trails has isOrganizationTrail true"
            if trails
            else "the org stack declares no CloudTrail trail"
        )
