"""Every use of the break-glass role raises an alarm (PCI DSS 10.2.1.2, 10.4.1, 10.7.1).

An EventBridge rule matches the role being assumed (CloudTrail management events reach the
account's event bus) and notifies the security alert topic at once; a CloudWatch alarm on the
rule's TriggeredRules metric keeps the state visible until someone acknowledges it. The org
stack raises the same alarm from the organization trail, covering every region.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from pcizone.core.naming import DataClass, Naming

COMPONENT = "break-glass-alarm"
ASSUME_ROLE_EVENTS = ("AssumeRole",)


def break_glass_event_pattern(role_arn: str) -> str:
    return json.dumps(
        {
            "source": ["aws.sts"],
            "detail-type": ["AWS API Call via CloudTrail"],
            "detail": {
                "eventSource": ["sts.amazonaws.com"],
                "eventName": list(ASSUME_ROLE_EVENTS),
                "requestParameters": {"roleArn": [role_arn]},
            },
        },
        separators=(",", ":"),
    )


def break_glass_alarm(
    naming: Naming,
    *,
    role: aws.iam.Role,
    topic: aws.sns.Topic,
    opts: pulumi.ResourceOptions,
) -> aws.cloudwatch.MetricAlarm:
    rule_name = naming.name("break-glass-used")
    rule = aws.cloudwatch.EventRule(
        "break-glass-used",
        name=rule_name,
        description="The break-glass role was assumed",
        event_pattern=role.arn.apply(break_glass_event_pattern),
        state="ENABLED",
        tags=naming.tags(DataClass.INTERNAL, component=COMPONENT),
        opts=opts,
    )
    aws.cloudwatch.EventTarget(
        "break-glass-used-notify",
        rule=rule.name,
        arn=topic.arn,
        target_id="security-alerts",
        opts=opts,
    )
    return aws.cloudwatch.MetricAlarm(
        "break-glass-used",
        name=rule_name,
        alarm_description="PCI DSS 10.4.1, 10.7.1: the break-glass role was assumed",
        namespace="AWS/Events",
        metric_name="TriggeredRules",
        dimensions={"RuleName": rule.name},
        statistic="Sum",
        period=60,
        evaluation_periods=1,
        threshold=1,
        comparison_operator="GreaterThanOrEqualToThreshold",
        treat_missing_data="notBreaching",
        actions_enabled=True,
        alarm_actions=[topic.arn],
        tags=naming.tags(DataClass.INTERNAL, component=COMPONENT),
        opts=opts,
    )
