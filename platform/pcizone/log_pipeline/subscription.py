"""Subscribing a log group to the account's log pipeline."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

# One name on every log group: a group has at most two subscription filters, and this one is
# recognisable as the archive's wherever it appears.
FILTER_NAME = "pcizone-log-pipeline"


def subscribe_log_group(
    name: str,
    log_group: aws.cloudwatch.LogGroup,
    *,
    stream_arn: pulumi.Input[str],
    role_arn: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> aws.cloudwatch.LogSubscriptionFilter:
    """Every event of `log_group` goes to the stream (the archive keeps everything)."""
    return aws.cloudwatch.LogSubscriptionFilter(
        f"{name}-archive-subscription",
        name=FILTER_NAME,
        log_group=log_group.name,
        filter_pattern="",
        destination_arn=stream_arn,
        role_arn=role_arn,
        opts=opts,
    )
