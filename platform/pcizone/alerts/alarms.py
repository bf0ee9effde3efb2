"""The alarms that page someone: each notifies the topic when it fires and when it clears.

`treat_missing_data` is explicit on each: a queue or function with no traffic emits nothing
and is healthy; a global replica that stops reporting lag is not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from pcizone.core.naming import DataClass, Naming
from pcizone.data.placement import Placement

AURORA_CPU_PERCENT = 80


@dataclass(frozen=True)
class AlarmTarget:
    """Where alarms are declared and whom they notify."""

    naming: Naming
    placement: Placement
    topic_arn: pulumi.Input[str]
    parent: pulumi.Resource


@dataclass(frozen=True)
class _Metric:
    namespace: str
    metric: str
    dimensions: Mapping[str, pulumi.Input[str]]
    statistic: str
    period: int
    evaluation_periods: int
    threshold: float
    missing: str


def _alarm(
    target: AlarmTarget,
    name: str,
    description: str,
    metric: _Metric,
    data_class: DataClass,
) -> aws.cloudwatch.MetricAlarm:
    return aws.cloudwatch.MetricAlarm(
        f"alarm-{name}",
        name=target.naming.name(name, max_len=255),
        alarm_description=description,
        namespace=metric.namespace,
        metric_name=metric.metric,
        dimensions=dict(metric.dimensions),
        statistic=metric.statistic,
        period=metric.period,
        evaluation_periods=metric.evaluation_periods,
        datapoints_to_alarm=metric.evaluation_periods,
        threshold=metric.threshold,
        comparison_operator="GreaterThanThreshold",
        treat_missing_data=metric.missing,
        actions_enabled=True,
        alarm_actions=[target.topic_arn],
        ok_actions=[target.topic_arn],
        tags=target.naming.tags(data_class, component="alerts"),
        opts=target.placement.opts(target.parent),
    )


def dlq_depth(
    target: AlarmTarget, name: str, queue_name: pulumi.Input[str]
) -> aws.cloudwatch.MetricAlarm:
    return _alarm(
        target,
        name,
        "A payment message reached the dead-letter queue: the auditor records it; a person"
        " decides whether to redrive it.",
        _Metric("AWS/SQS", "ApproximateNumberOfMessagesVisible", {"QueueName": queue_name},
                "Maximum", 60, 1, 0, "notBreaching"),
        DataClass.CARDHOLDER_DATA,
    )  # fmt: skip


def dlq_arrivals(
    target: AlarmTarget, name: str, queue_name: pulumi.Input[str]
) -> aws.cloudwatch.MetricAlarm:
    """The auditor drains the DLQ within seconds, so depth alone can miss an arrival."""
    return _alarm(
        target,
        name,
        "The DLQ auditor received dead-lettered payment messages (see the dead_letters table).",
        _Metric("AWS/SQS", "NumberOfMessagesReceived", {"QueueName": queue_name},
                "Sum", 60, 1, 0, "notBreaching"),
        DataClass.CARDHOLDER_DATA,
    )  # fmt: skip


def function_errors(
    target: AlarmTarget, name: str, function_name: pulumi.Input[str]
) -> aws.cloudwatch.MetricAlarm:
    return _alarm(
        target,
        name,
        "The function raised or timed out (a failed batch is retried, then dead-lettered).",
        _Metric("AWS/Lambda", "Errors", {"FunctionName": function_name},
                "Sum", 60, 1, 0, "notBreaching"),
        DataClass.CARDHOLDER_DATA,
    )  # fmt: skip


def api_5xx(
    target: AlarmTarget, name: str, api_id: pulumi.Input[str], stage: str
) -> aws.cloudwatch.MetricAlarm:
    return _alarm(
        target,
        name,
        "The payments API answered with server errors.",
        _Metric("AWS/ApiGateway", "5xx", {"ApiId": api_id, "Stage": stage},
                "Sum", 60, 1, 0, "notBreaching"),
        DataClass.CARDHOLDER_DATA,
    )  # fmt: skip


def aurora_cpu(
    target: AlarmTarget, name: str, cluster_id: pulumi.Input[str]
) -> aws.cloudwatch.MetricAlarm:
    return _alarm(
        target,
        name,
        f"Aurora CPU stayed above {AURORA_CPU_PERCENT}% for 15 minutes.",
        _Metric("AWS/RDS", "CPUUtilization", {"DBClusterIdentifier": cluster_id},
                "Average", 300, 3, AURORA_CPU_PERCENT, "missing"),
        DataClass.CARDHOLDER_DATA,
    )  # fmt: skip


def global_replica_lag(
    target: AlarmTarget, name: str, secondary_cluster_id: pulumi.Input[str], rpo_seconds: float
) -> aws.cloudwatch.MetricAlarm:
    """Replication lag above the RPO target means a failover now would lose more than allowed.

    The metric is published in the secondary's region, so this alarm and its topic live there.
    """
    return _alarm(
        target,
        name,
        f"Aurora global replication lag exceeded the RPO target ({rpo_seconds:g} s).",
        _Metric("AWS/RDS", "AuroraGlobalDBReplicationLag",
                {"DBClusterIdentifier": secondary_cluster_id},
                "Average", 60, 3, rpo_seconds * 1000, "breaching"),
        DataClass.CARDHOLDER_DATA,
    )  # fmt: skip
