"""CloudWatch: log groups, subscription and metric filters, log resource policies, metric alarms,
EventBridge rules and targets (pulumi-aws files all of them under `aws:cloudwatch/`)."""

from __future__ import annotations

import hashlib
from typing import Any

from pcizone.local.deploy.handlers.base import (
    Deployed,
    Handler,
    PutHandler,
    ResourceContext,
    as_int,
    as_json,
    drop_none,
    ignore_missing,
)


def _logs(ctx: ResourceContext) -> Any:
    return ctx.client("logs")


class LogGroup(Handler):
    """id is the group's name; `arn` is without the trailing ":*", as pulumi-aws reports it."""

    type = "aws:cloudwatch/logGroup:LogGroup"
    replace_on = frozenset({"name", "namePrefix", "logGroupClass"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        name = ctx.name_or_auto(inputs, max_len=512)
        tags = ctx.tags(inputs)
        _logs(ctx).create_log_group(
            **drop_none(
                {
                    "logGroupName": name,
                    "kmsKeyId": inputs.get("kmsKeyId") or None,
                    "logGroupClass": inputs.get("logGroupClass"),
                    "tags": tags or None,
                }
            )
        )
        self._retention(ctx, name, inputs)
        return Deployed(
            name, {"name": name, "arn": ctx.arn("logs", f"log-group:{name}"), "tagsAll": tags}
        )

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        client = _logs(ctx)
        if "kmsKeyId" in changed:
            if inputs.get("kmsKeyId"):
                client.associate_kms_key(logGroupName=current.id, kmsKeyId=inputs["kmsKeyId"])
            else:
                client.disassociate_kms_key(logGroupName=current.id)
        self._retention(ctx, current.id, inputs)
        tags = ctx.tags(inputs)
        if tags:
            client.tag_log_group(logGroupName=current.id, tags=tags)
        return Deployed(current.id, {**current.outputs, "tagsAll": tags})

    def _retention(self, ctx: ResourceContext, name: str, inputs: dict[str, Any]) -> None:
        days = as_int(inputs.get("retentionInDays"))
        if days:
            _logs(ctx).put_retention_policy(logGroupName=name, retentionInDays=days)
        else:
            _logs(ctx).delete_retention_policy(logGroupName=name)

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_logs(ctx).delete_log_group, logGroupName=current.id)


class LogStream(Handler):
    type = "aws:cloudwatch/logStream:LogStream"
    replace_on = frozenset({"name", "logGroupName"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        group, name = str(inputs["logGroupName"]), str(inputs["name"])
        _logs(ctx).create_log_stream(logGroupName=group, logStreamName=name)
        arn = ctx.arn("logs", f"log-group:{group}:log-stream:{name}")
        return Deployed(name, {"arn": arn, "logGroupName": group})

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(
            _logs(ctx).delete_log_stream,
            logGroupName=current.outputs["logGroupName"],
            logStreamName=current.id,
        )


class LogSubscriptionFilter(PutHandler):
    """id `cwlsf-<hash of group and filter name>`, like pulumi-aws's."""

    type = "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter"
    replace_on = frozenset({"name", "logGroup"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        group, name = str(inputs["logGroup"]), str(inputs["name"])
        _logs(ctx).put_subscription_filter(
            **drop_none(
                {
                    "logGroupName": group,
                    "filterName": name,
                    "filterPattern": inputs.get("filterPattern") or "",
                    "destinationArn": inputs["destinationArn"],
                    "roleArn": inputs.get("roleArn"),
                    "distribution": inputs.get("distribution"),
                }
            )
        )
        digest = hashlib.sha256(f"{group}/{name}".encode()).hexdigest()[:16]
        return Deployed(f"cwlsf-{digest}", {"logGroup": group, "name": name})

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(
            _logs(ctx).delete_subscription_filter,
            logGroupName=current.outputs["logGroup"],
            filterName=current.outputs["name"],
        )


class LogMetricFilter(PutHandler):
    type = "aws:cloudwatch/logMetricFilter:LogMetricFilter"
    replace_on = frozenset({"name", "logGroupName"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        transformation = inputs["metricTransformation"]
        _logs(ctx).put_metric_filter(
            logGroupName=inputs["logGroupName"],
            filterName=inputs["name"],
            filterPattern=inputs.get("pattern") or "",
            metricTransformations=[
                drop_none(
                    {
                        "metricName": transformation["name"],
                        "metricNamespace": transformation["namespace"],
                        "metricValue": transformation["value"],
                        "defaultValue": float(transformation["defaultValue"])
                        if transformation.get("defaultValue") not in (None, "")
                        else None,
                        "unit": transformation.get("unit"),
                    }
                )
            ],
        )
        return Deployed(str(inputs["name"]), {"logGroupName": inputs["logGroupName"]})

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(
            _logs(ctx).delete_metric_filter,
            logGroupName=current.outputs.get("logGroupName", ""),
            filterName=current.id,
        )


class LogResourcePolicy(PutHandler):
    type = "aws:cloudwatch/logResourcePolicy:LogResourcePolicy"
    replace_on = frozenset({"policyName"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        name = str(inputs["policyName"])
        _logs(ctx).put_resource_policy(
            policyName=name, policyDocument=as_json(inputs["policyDocument"])
        )
        return Deployed(name)

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_logs(ctx).delete_resource_policy, policyName=current.id)


class MetricAlarm(Handler):
    type = "aws:cloudwatch/metricAlarm:MetricAlarm"
    replace_on = frozenset({"name"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        name = ctx.name_or_auto(inputs, max_len=255)
        self._put(ctx, name, inputs)
        arn = ctx.arn("cloudwatch", f"alarm:{name}")
        return Deployed(name, {"name": name, "arn": arn, "tagsAll": ctx.tags(inputs)})

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        self._put(ctx, current.id, inputs)
        return Deployed(current.id, {**current.outputs, "tagsAll": ctx.tags(inputs)})

    def _put(self, ctx: ResourceContext, name: str, inputs: dict[str, Any]) -> None:
        dimensions = inputs.get("dimensions") or {}
        threshold = inputs.get("threshold")
        ctx.client("cloudwatch").put_metric_alarm(
            **drop_none(
                {
                    "AlarmName": name,
                    "AlarmDescription": inputs.get("alarmDescription"),
                    "ActionsEnabled": inputs.get("actionsEnabled", True),
                    "AlarmActions": list(inputs.get("alarmActions") or []),
                    "OKActions": list(inputs.get("okActions") or []),
                    "InsufficientDataActions": list(inputs.get("insufficientDataActions") or []),
                    "MetricName": inputs.get("metricName"),
                    "Namespace": inputs.get("namespace"),
                    "Statistic": inputs.get("statistic"),
                    "ExtendedStatistic": inputs.get("extendedStatistic"),
                    "Dimensions": [
                        {"Name": k, "Value": str(v)} for k, v in sorted(dimensions.items())
                    ]
                    or None,
                    "Period": as_int(inputs.get("period")),
                    "Unit": inputs.get("unit"),
                    "EvaluationPeriods": as_int(inputs["evaluationPeriods"]),
                    "DatapointsToAlarm": as_int(inputs.get("datapointsToAlarm")),
                    "Threshold": float(threshold) if threshold is not None else None,
                    "ComparisonOperator": inputs["comparisonOperator"],
                    "TreatMissingData": inputs.get("treatMissingData"),
                    "Tags": [{"Key": k, "Value": v} for k, v in sorted(ctx.tags(inputs).items())]
                    or None,
                }
            )
        )

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(ctx.client("cloudwatch").delete_alarms, AlarmNames=[current.id])


class EventRule(Handler):
    type = "aws:cloudwatch/eventRule:EventRule"
    replace_on = frozenset({"name", "namePrefix", "eventBusName"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        name = ctx.name_or_auto(inputs)
        arn = self._put(ctx, name, inputs)
        bus = inputs.get("eventBusName") or "default"
        rule_id = name if bus == "default" else f"{bus}/{name}"
        return Deployed(rule_id, {"name": name, "arn": arn, "tagsAll": ctx.tags(inputs)})

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        self._put(ctx, str(current.outputs["name"]), inputs)
        return Deployed(current.id, {**current.outputs, "tagsAll": ctx.tags(inputs)})

    def _put(self, ctx: ResourceContext, name: str, inputs: dict[str, Any]) -> str:
        state = inputs.get("state") or (
            "DISABLED" if inputs.get("isEnabled") is False else "ENABLED"
        )
        arn: str = ctx.client("events").put_rule(
            **drop_none(
                {
                    "Name": name,
                    "EventPattern": as_json(inputs.get("eventPattern")),
                    "ScheduleExpression": inputs.get("scheduleExpression"),
                    "State": state,
                    "Description": inputs.get("description"),
                    "RoleArn": inputs.get("roleArn"),
                    "EventBusName": inputs.get("eventBusName"),
                    "Tags": [{"Key": k, "Value": v} for k, v in sorted(ctx.tags(inputs).items())]
                    or None,
                }
            )
        )["RuleArn"]
        return arn

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        bus, _sep, name = current.id.rpartition("/")
        ignore_missing(
            ctx.client("events").delete_rule,
            **drop_none({"Name": name, "EventBusName": bus or None, "Force": True}),
        )


class EventTarget(PutHandler):
    type = "aws:cloudwatch/eventTarget:EventTarget"
    replace_on = frozenset({"rule", "targetId", "eventBusName"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        rule = str(inputs["rule"])
        target_id = inputs.get("targetId") or ctx.autoname(64)
        ctx.client("events").put_targets(
            **drop_none(
                {
                    "Rule": rule,
                    "EventBusName": inputs.get("eventBusName"),
                    "Targets": [
                        drop_none(
                            {
                                "Id": target_id,
                                "Arn": inputs["arn"],
                                "RoleArn": inputs.get("roleArn"),
                                "Input": inputs.get("input"),
                                "InputPath": inputs.get("inputPath"),
                            }
                        )
                    ],
                }
            )
        )
        return Deployed(f"{rule}-{target_id}", {"targetId": target_id, "rule": rule})

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(
            ctx.client("events").remove_targets,
            Rule=current.outputs.get("rule", ""),
            Ids=[current.outputs.get("targetId", "")],
        )


HANDLERS: tuple[Handler, ...] = (
    LogGroup(),
    LogStream(),
    LogSubscriptionFilter(),
    LogMetricFilter(),
    LogResourcePolicy(),
    MetricAlarm(),
    EventRule(),
    EventTarget(),
)
