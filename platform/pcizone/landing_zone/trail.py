"""The organization trail (management account) into the log archive, its CloudWatch Logs
delivery, and the alarms raised from it."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from pcizone.baseline.people_policies import FIXED_ROLE_NAMES, Persona
from pcizone.config.fields import LOG_RETENTION_DAYS
from pcizone.config.models import OrgConfig
from pcizone.config.stack_names import STAGES
from pcizone.core.context import StackContext
from pcizone.core.naming import DataClass, PrincipalType
from pcizone.landing_zone.alert_topic import alert_topic
from pcizone.landing_zone.documents import render
from pcizone.landing_zone.iam_grammar import DocumentKind
from pcizone.landing_zone.log_archive import LogArchive
from pcizone.landing_zone.trail_policies import (
    audit_events_key_policy,
    cloudtrail_logs_permissions,
    cloudtrail_logs_trust,
)

COMPONENT = "organization-trail"
# Every bucket a workload stack creates starts with its stack prefix (core/naming.py): stage
# stacks pcz-<stage>-, developer stacks pcz-u-, review stacks pcz-pr-. Object-level events on
# them cover every cardholder-data bucket without logging the archive's own writes.
WORKLOAD_BUCKET_PREFIXES = (*(f"pcz-{stage}-" for stage in STAGES), "pcz-u-", "pcz-pr-")

ROOT_ACTIVITY_PATTERN = (
    '{ ($.userIdentity.type = "Root") && ($.userIdentity.invokedBy NOT EXISTS)'
    ' && ($.eventType != "AwsServiceEvent") }'
)
BREAK_GLASS_PATTERN = (
    '{ ($.eventSource = "sts.amazonaws.com") && ($.eventName = "AssumeRole")'
    f' && ($.requestParameters.roleArn = "*:role/{FIXED_ROLE_NAMES[Persona.BREAK_GLASS]}") }}'
)
METRIC_NAMESPACE = "pcizone/Security"


def trail_name(ctx: StackContext[OrgConfig]) -> str:
    return ctx.naming.name("organization-trail")


def cloudwatch_retention(days: int) -> int:
    """The longest CloudWatch Logs retention that does not exceed the archive's retention."""
    return max(d for d in LOG_RETENTION_DAYS if d <= days)


def event_selectors() -> list[aws.cloudtrail.TrailAdvancedEventSelectorArgs]:
    field = aws.cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs
    return [
        aws.cloudtrail.TrailAdvancedEventSelectorArgs(
            name="All management events",
            field_selectors=[field(field="eventCategory", equals=["Management"])],
        ),
        aws.cloudtrail.TrailAdvancedEventSelectorArgs(
            name="Object events of workload (cardholder data) buckets",
            field_selectors=[
                field(field="eventCategory", equals=["Data"]),
                field(field="resources.type", equals=["AWS::S3::Object"]),
                field(
                    field="resources.ARN",
                    starts_withs=[f"arn:aws:s3:::{p}" for p in WORKLOAD_BUCKET_PREFIXES],
                ),
            ],
        ),
        aws.cloudtrail.TrailAdvancedEventSelectorArgs(
            name="Lambda invocations",
            field_selectors=[
                field(field="eventCategory", equals=["Data"]),
                field(field="resources.type", equals=["AWS::Lambda::Function"]),
            ],
        ),
    ]


class OrganizationTrail(pulumi.ComponentResource):
    trail: aws.cloudtrail.Trail
    log_group: aws.cloudwatch.LogGroup
    alerts: aws.sns.Topic

    def __init__(
        self,
        name: str,
        ctx: StackContext[OrgConfig],
        provider: aws.Provider,
        *,
        organization: aws.organizations.Organization,
        management_account_id: pulumi.Output[str],
        archive: LogArchive,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pcizone:landing_zone:OrganizationTrail", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        region = ctx.config.region
        key = aws.kms.Key(
            "audit-events-key",
            description="Encrypts the organization trail's CloudWatch log group and alerts",
            key_usage="ENCRYPT_DECRYPT",
            customer_master_key_spec="SYMMETRIC_DEFAULT",
            enable_key_rotation=True,
            rotation_period_in_days=365,
            deletion_window_in_days=30,
            is_enabled=True,
            multi_region=False,
            bypass_policy_lockout_safety_check=False,
            policy=management_account_id.apply(
                lambda mgmt: render(
                    audit_events_key_policy(region, mgmt), DocumentKind.KEY, "audit events key"
                )
            ),
            tags=ctx.naming.tags(DataClass.LOGS, component=COMPONENT),
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(protect=True)),
        )
        aws.kms.Alias(
            "audit-events-key-alias",
            name=f"alias/{ctx.naming.name('audit-events')}",
            target_key_id=key.key_id,
            opts=child,
        )
        self.log_group = aws.cloudwatch.LogGroup(
            "trail-events",
            name=ctx.naming.name("cloudtrail"),
            kms_key_id=key.arn,
            retention_in_days=cloudwatch_retention(ctx.config.log_archive.retention_days),
            log_group_class="STANDARD",
            deletion_protection_enabled=True,
            tags=ctx.naming.tags(DataClass.LOGS, component=COMPONENT),
            opts=child,
        )
        role = aws.iam.Role(
            "trail-to-cloudwatch",
            name=ctx.naming.name("trail-to-cloudwatch"),
            description="CloudTrail delivers the organization trail to CloudWatch Logs",
            assume_role_policy=management_account_id.apply(
                lambda mgmt: render(cloudtrail_logs_trust(mgmt), DocumentKind.TRUST, "trail role")
            ),
            max_session_duration=3600,
            tags=ctx.naming.tags(
                DataClass.LOGS, component=COMPONENT, principal=PrincipalType.WORKLOAD
            ),
            opts=child,
        )
        role_policy = aws.iam.RolePolicy(
            "trail-to-cloudwatch",
            role=role.name,
            policy=self.log_group.arn.apply(
                lambda arn: render(
                    cloudtrail_logs_permissions(arn), DocumentKind.IDENTITY, "trail role policy"
                )
            ),
            opts=child,
        )
        self.trail = aws.cloudtrail.Trail(
            "organization-trail",
            name=trail_name(ctx),
            is_organization_trail=True,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_log_file_validation=True,
            enable_logging=True,
            s3_bucket_name=archive.archive.bucket.bucket,
            kms_key_id=archive.key.arn,
            cloud_watch_logs_group_arn=self.log_group.arn.apply(lambda arn: f"{arn}:*"),
            cloud_watch_logs_role_arn=role.arn,
            advanced_event_selectors=event_selectors(),
            tags=ctx.naming.tags(DataClass.LOGS, component=COMPONENT),
            # CloudTrail checks the bucket policy, the key policy and its role on creation.
            opts=pulumi.ResourceOptions.merge(
                child,
                pulumi.ResourceOptions(
                    depends_on=[organization, archive.bucket_policy, archive.key, role_policy]
                ),
            ),
        )
        self.alerts = alert_topic(
            "security-alerts",
            naming=ctx.naming,
            account_id=management_account_id,
            key_arn=key.arn,
            emails=[str(e) for e in ctx.config.alerts.emails],
            component=COMPONENT,
            opts=child,
        )
        self._alarm(ctx, "root-activity", ROOT_ACTIVITY_PATTERN, "RootUserActivity", child)
        self._alarm(ctx, "break-glass-used", BREAK_GLASS_PATTERN, "BreakGlassRoleAssumed", child)
        self.register_outputs({"trailArn": self.trail.arn})

    def _alarm(
        self,
        ctx: StackContext[OrgConfig],
        name: str,
        pattern: str,
        metric: str,
        opts: pulumi.ResourceOptions,
    ) -> None:
        aws.cloudwatch.LogMetricFilter(
            name,
            name=ctx.naming.name(name),
            log_group_name=self.log_group.name,
            pattern=pattern,
            metric_transformation=aws.cloudwatch.LogMetricFilterMetricTransformationArgs(
                name=metric, namespace=METRIC_NAMESPACE, value="1", default_value="0"
            ),
            opts=opts,
        )
        aws.cloudwatch.MetricAlarm(
            name,
            name=ctx.naming.name(name),
            alarm_description=f"PCI DSS 10.4.1, 10.7.1: {metric} seen in the organization trail",
            namespace=METRIC_NAMESPACE,
            metric_name=metric,
            statistic="Sum",
            period=300,
            evaluation_periods=1,
            threshold=1,
            comparison_operator="GreaterThanOrEqualToThreshold",
            treat_missing_data="notBreaching",
            actions_enabled=True,
            alarm_actions=[self.alerts.arn],
            tags=ctx.naming.tags(DataClass.INTERNAL, component=COMPONENT),
            opts=opts,
        )
