"""Log groups every concern creates the same way: KMS, retention, then the log pipeline.

A log group is declared before whatever writes to it (flow logs, a function, an API stage),
so the writer never creates an unencrypted group of its own with unlimited retention.
PCI DSS 10.3.2 (protected from modification), 10.5.1 (retention), 3.5.1 (encrypted).
"""

from __future__ import annotations

from typing import Protocol

import pulumi
import pulumi_aws as aws

from pcizone.core.naming import DataClass, Naming
from pcizone.data.placement import Placement
from pcizone.log_pipeline.subscription import subscribe_log_group


class LogSubscriber(Protocol):
    """Forwards a log group to the account's log pipeline (the account foundation does it)."""

    def subscribe(self, name: str, log_group: aws.cloudwatch.LogGroup) -> object: ...


class PipelineDestination:
    """A `LogSubscriber` for stacks that only read the foundation's exports (developer stacks)."""

    def __init__(
        self,
        *,
        placement: Placement,
        firehose_arn: pulumi.Input[str],
        role_arn: pulumi.Input[str],
    ) -> None:
        self._placement = placement
        self._firehose_arn = firehose_arn
        self._role_arn = role_arn

    def subscribe(
        self, name: str, log_group: aws.cloudwatch.LogGroup
    ) -> aws.cloudwatch.LogSubscriptionFilter:
        return subscribe_log_group(
            name,
            log_group,
            stream_arn=self._firehose_arn,
            role_arn=self._role_arn,
            opts=self._placement.opts(log_group),
        )


def encrypted_log_group(
    name: str,
    *,
    group_name: pulumi.Input[str],
    naming: Naming,
    component: str,
    placement: Placement,
    parent: pulumi.Resource,
    kms_key_arn: pulumi.Input[str],
    retention_days: int,
    subscriber: LogSubscriber | None,
) -> aws.cloudwatch.LogGroup:
    group = aws.cloudwatch.LogGroup(
        name,
        name=group_name,
        kms_key_id=kms_key_arn,
        retention_in_days=retention_days,
        log_group_class="STANDARD",  # INFREQUENT_ACCESS groups cannot have subscriptions
        skip_destroy=False,
        tags=naming.tags(DataClass.LOGS, component=component),
        opts=placement.opts(parent),
    )
    if subscriber is not None:
        subscriber.subscribe(name, group)
    return group
