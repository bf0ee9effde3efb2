"""The alarms that page someone: each notifies the topic when it fires and when it clears.

`treat_missing_data` is explicit on each: a queue or function with no traffic emits nothing
and is healthy; a global replica that stops reporting lag is not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
class _Kind:
    """What one kind of alarm watches; the defaults fire on any datapoint above 0 in a minute."""

    description: str
    namespace: str
    metric: str
    statistic: str
    threshold: float = 0
    period: int = 60
    evaluation_periods: int = 1
    missing: str = "notBreaching"


def _alarm(
    target: AlarmTarget, name: str, kind: _Kind, dimensions: Mapping[str, pulumi.Input[str]]
) -> aws.cloudwatch.MetricAlarm:
    return aws.cloudwatch.MetricAlarm(
        f"alarm-{name}",
        name=target.naming.name(name, max_len=255),
        alarm_description=kind.description,
        namespace=kind.namespace,
        metric_name=kind.metric,
        dimensions=dict(dimensions),
        statistic=kind.statistic,
        period=kind.period,
        evaluation_periods=kind.evaluation_periods,
        datapoints_to_alarm=kind.evaluation_periods,
        threshold=kind.threshold,
        comparison_operator="GreaterThanThreshold",
        treat_missing_data=kind.missing,
        actions_enabled=True,
        alarm_actions=[target.topic_arn],
        ok_actions=[target.topic_arn],
        # Every alarm watches the payment path: queues, functions, API and database.
        tags=target.naming.tags(DataClass.CARDHOLDER_DATA, component="alerts"),
        opts=target.placement.opts(target.parent),
    )


# An alarm on one resource: (target, name, the value of the metric's one dimension).
OneResourceAlarm = Callable[[AlarmTarget, str, pulumi.Input[str]], aws.cloudwatch.MetricAlarm]


def _on_one(dimension: str, kind: _Kind) -> OneResourceAlarm:
    return lambda target, name, value: _alarm(target, name, kind, {dimension: value})


dlq_depth = _on_one("QueueName", _Kind(
    "A payment message reached the dead-letter queue: the auditor records it; a person"
    " decides whether to redrive it.",
    "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum",
))  # fmt: skip
# The auditor drains the DLQ within seconds, so depth alone can miss an arrival.
dlq_arrivals = _on_one("QueueName", _Kind(
    "The DLQ auditor received dead-lettered payment messages (see the dead_letters table).",
    "AWS/SQS", "NumberOfMessagesReceived", "Sum",
))  # fmt: skip
function_errors = _on_one("FunctionName", _Kind(
    "The function raised or timed out (a failed batch is retried, then dead-lettered).",
    "AWS/Lambda", "Errors", "Sum",
))  # fmt: skip
aurora_cpu = _on_one("DBClusterIdentifier", _Kind(
    f"Aurora CPU stayed above {AURORA_CPU_PERCENT}% for 15 minutes.",
    "AWS/RDS", "CPUUtilization", "Average", AURORA_CPU_PERCENT,
    period=300, evaluation_periods=3, missing="missing",
))  # fmt: skip
_API_5XX = _Kind("The payments API answered with server errors.", "AWS/ApiGateway", "5xx", "Sum")


def api_5xx(
    target: AlarmTarget, name: str, api_id: pulumi.Input[str], stage: str
) -> aws.cloudwatch.MetricAlarm:
    return _alarm(target, name, _API_5XX, {"ApiId": api_id, "Stage": stage})


def global_replica_lag(
    target: AlarmTarget, name: str, secondary_cluster_id: pulumi.Input[str], rpo_seconds: float
) -> aws.cloudwatch.MetricAlarm:
    """Replication lag above the RPO target means a failover now would lose more than allowed.

    The metric is published in the secondary's region, so this alarm and its topic live there.
    """
    lag = _Kind(
        f"Aurora global replication lag exceeded the RPO target ({rpo_seconds:g} s).",
        "AWS/RDS", "AuroraGlobalDBReplicationLag", "Average", rpo_seconds * 1000,
        evaluation_periods=3, missing="breaching",
    )  # fmt: skip
    return _alarm(target, name, lag, {"DBClusterIdentifier": secondary_cluster_id})
