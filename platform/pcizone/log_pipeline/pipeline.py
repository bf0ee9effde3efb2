"""The account's log pipeline: CloudWatch Logs subscriptions -> Firehose -> the log archive.

Firehose buffers records encrypted under the stage's logs key, writes each account's objects
under its own prefix of the archive bucket (another account) with SSE-KMS under the archive
key, and sends records it cannot deliver to an error prefix, reporting failures to its own
encrypted log group (PCI DSS 10.3.2, 10.5.1, 10.7.1).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from pcizone.core.naming import DataClass, Naming, PrincipalType
from pcizone.landing_zone.documents import render
from pcizone.landing_zone.iam_grammar import DocumentKind
from pcizone.log_pipeline.names import delivery_role_name
from pcizone.log_pipeline.policies import (
    archive_prefix,
    delivery_permissions,
    delivery_trust,
    subscription_permissions,
    subscription_trust,
)
from pcizone.log_pipeline.subscription import subscribe_log_group

COMPONENT = "log-pipeline"
BUFFER_MEGABYTES = 5
BUFFER_SECONDS = 300
ERROR_STREAM = "S3Delivery"


@dataclass(frozen=True)
class LogPipelineArgs:
    naming: Naming
    region: str
    account_id: pulumi.Input[str]
    archive_bucket_arn: pulumi.Input[str]
    archive_key_arn: pulumi.Input[str]
    logs_key_arn: pulumi.Input[str]  # the stage's logs key: stream SSE and the error log group
    retention_days: int


class LogPipeline(pulumi.ComponentResource):
    stream: aws.kinesis.FirehoseDeliveryStream
    subscription_role: aws.iam.Role
    delivery_role: aws.iam.Role
    error_log_group: aws.cloudwatch.LogGroup

    def __init__(
        self,
        name: str,
        args: LogPipelineArgs,
        provider: aws.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pcizone:log_pipeline:LogPipeline", name, None, opts)
        self._provider = provider
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        naming, region = args.naming, args.region
        account = pulumi.Output.from_input(args.account_id)
        self.error_log_group = aws.cloudwatch.LogGroup(
            "log-delivery-errors",
            name=naming.name("log-delivery-errors"),
            kms_key_id=args.logs_key_arn,
            retention_in_days=args.retention_days,
            log_group_class="STANDARD",
            skip_destroy=False,
            tags=naming.tags(DataClass.LOGS, component=COMPONENT),
            opts=child,
        )
        error_stream = aws.cloudwatch.LogStream(
            "log-delivery-errors",
            name=ERROR_STREAM,
            log_group_name=self.error_log_group.name,
            opts=child,
        )
        self.delivery_role = aws.iam.Role(
            "log-delivery",
            name=delivery_role_name(naming),
            description="Firehose writes this account's logs into the organization's archive",
            assume_role_policy=account.apply(
                lambda a: render(delivery_trust(a), DocumentKind.TRUST, "log delivery trust")
            ),
            max_session_duration=3600,
            tags=naming.tags(DataClass.LOGS, component=COMPONENT, principal=PrincipalType.WORKLOAD),
            opts=child,
        )
        delivery_policy = aws.iam.RolePolicy(
            "log-delivery",
            role=self.delivery_role.name,
            policy=pulumi.Output.all(
                account, args.archive_bucket_arn, args.archive_key_arn, self.error_log_group.arn
            ).apply(
                lambda v: render(
                    delivery_permissions(
                        region=region,
                        account_id=v[0],
                        bucket_arn=v[1],
                        archive_key_arn=v[2],
                        error_log_group_arn=v[3],
                    ),
                    DocumentKind.IDENTITY,
                    "log delivery policy",
                )
            ),
            opts=child,
        )
        self.stream = aws.kinesis.FirehoseDeliveryStream(
            "log-archive",
            name=naming.name("log-archive"),
            destination="extended_s3",
            server_side_encryption=aws.kinesis.FirehoseDeliveryStreamServerSideEncryptionArgs(
                enabled=True, key_type="CUSTOMER_MANAGED_CMK", key_arn=args.logs_key_arn
            ),
            extended_s3_configuration=aws.kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationArgs(
                bucket_arn=args.archive_bucket_arn,
                role_arn=self.delivery_role.arn,
                kms_key_arn=args.archive_key_arn,
                prefix=account.apply(
                    lambda a: f"{archive_prefix(a)}delivered/!{{timestamp:yyyy/MM/dd}}/"
                ),
                error_output_prefix=account.apply(
                    lambda a: (
                        f"{archive_prefix(a)}failed/!{{firehose:error-output-type}}/"
                        "!{timestamp:yyyy/MM/dd}/"
                    )
                ),
                buffering_size=BUFFER_MEGABYTES,
                buffering_interval=BUFFER_SECONDS,
                # CloudWatch Logs already gzips what it sends; compressing again gains nothing.
                compression_format="UNCOMPRESSED",
                cloudwatch_logging_options=aws.kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationCloudwatchLoggingOptionsArgs(
                    enabled=True,
                    log_group_name=self.error_log_group.name,
                    log_stream_name=error_stream.name,
                ),
            ),
            tags=naming.tags(DataClass.LOGS, component=COMPONENT),
            opts=pulumi.ResourceOptions.merge(
                child, pulumi.ResourceOptions(depends_on=[delivery_policy])
            ),
        )
        self.subscription_role = aws.iam.Role(
            "log-subscription",
            name=naming.name("log-subscription"),
            description="CloudWatch Logs subscriptions put events into the log archive stream",
            assume_role_policy=account.apply(
                lambda a: render(
                    subscription_trust(region, a), DocumentKind.TRUST, "log subscription trust"
                )
            ),
            max_session_duration=3600,
            tags=naming.tags(DataClass.LOGS, component=COMPONENT, principal=PrincipalType.WORKLOAD),
            opts=child,
        )
        self._subscription_policy = aws.iam.RolePolicy(
            "log-subscription",
            role=self.subscription_role.name,
            policy=self.stream.arn.apply(
                lambda arn: render(
                    subscription_permissions(arn), DocumentKind.IDENTITY, "log subscription policy"
                )
            ),
            opts=child,
        )
        self.register_outputs({"streamArn": self.stream.arn})

    def subscribe(
        self,
        name: str,
        log_group: aws.cloudwatch.LogGroup,
        opts: pulumi.ResourceOptions | None = None,
    ) -> aws.cloudwatch.LogSubscriptionFilter:
        """Send every event of `log_group` (in this account and region) to the archive."""
        own = pulumi.ResourceOptions(
            parent=log_group,
            provider=self._provider,
            depends_on=[self._subscription_policy],
        )
        return subscribe_log_group(
            name,
            log_group,
            stream_arn=self.stream.arn,
            role_arn=self.subscription_role.arn,
            opts=pulumi.ResourceOptions.merge(own, opts),
        )
