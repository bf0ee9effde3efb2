"""API Gateway stages (REST and HTTP APIs): access logs, throttling, no payload logging."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pcizone.policy import aws_types as t
from pcizone.policy import values
from pcizone.policy.spec import Level, Severity, resource_policy, stack_policy
from pcizone.policy.views import Context, Resource, Stack

STAGE_TYPES = (t.APIGW_STAGE, t.APIGWV2_STAGE)


@resource_policy(
    "pci-apigw-access-logs",
    "API stages write an access log line for every request to a log group.",
    requirements=("10.2.1", "10.2.1.1", "10.2.2"),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    types=STAGE_TYPES,
    remediation="Set access_log_settings with destination_arn and a JSON format.",
)
def apigw_access_logs(stage: Resource, _ctx: Context) -> Iterator[str]:
    settings = stage.props.get("accessLogSettings")
    if values.as_str(values.get(settings, "destinationArn")) is None:
        yield "accessLogSettings.destinationArn is not set"
    if values.as_str(values.get(settings, "format")) is None:
        yield "accessLogSettings.format is not set"


def method_settings(stage: Resource, stack: Stack) -> list[Resource]:
    """A REST stage's MethodSettings resources."""
    return stack.referrers(stage, (t.APIGW_METHOD_SETTINGS,), "stageName", "stageName")


def _throttled(settings: Any) -> bool:
    burst = values.as_number(values.get(settings, "throttlingBurstLimit"))
    rate = values.as_number(values.get(settings, "throttlingRateLimit"))
    return burst is not None and burst > 0 and rate is not None and rate > 0


@stack_policy(
    "pci-apigw-throttling",
    "API stages throttle every route with a burst and a rate limit.",
    requirements=("6.4.1", "6.4.2"),
    severity=Severity.MEDIUM,
    enforcement=Level.MANDATORY,
    types=STAGE_TYPES,
    remediation=(
        "HTTP APIs: set default_route_settings throttling_burst_limit and throttling_rate_limit; "
        "REST APIs: add MethodSettings for */* with both limits."
    ),
)
def apigw_throttling(stage: Resource, stack: Stack, _ctx: Context) -> Iterator[str]:
    if stage.type == t.APIGWV2_STAGE:
        if not _throttled(stage.props.get("defaultRouteSettings")):
            yield "defaultRouteSettings has no positive throttlingBurstLimit and throttlingRateLimit"
        return
    catch_all = [m for m in method_settings(stage, stack) if m.props.get("methodPath") == "*/*"]
    if not any(_throttled(m.props.get("settings")) for m in catch_all):
        yield "no MethodSettings for */* sets positive throttling limits"


def _data_trace_on(settings: Any) -> bool:
    return values.as_bool(values.get(settings, "dataTraceEnabled")) is True


@stack_policy(
    "pci-apigw-no-data-trace",
    "API stages never log full request or response bodies, which could hold card data.",
    requirements=("3.2.1", "3.3.1.1", "3.5.1"),
    severity=Severity.CRITICAL,
    enforcement=Level.MANDATORY,
    locked=True,
    types=STAGE_TYPES,
    remediation=(
        "REST APIs: add MethodSettings for */* with data_trace_enabled=False; "
        "HTTP/WebSocket APIs: never set data_trace_enabled=True in route settings."
    ),
)
def apigw_no_data_trace(stage: Resource, stack: Stack, _ctx: Context) -> Iterator[str]:
    if stage.type == t.APIGWV2_STAGE:
        routes: list[Any] = [stage.props.get("defaultRouteSettings")]
        routes += values.as_list(stage.props.get("routeSettings"))
        if any(_data_trace_on(r) for r in routes):
            yield "dataTraceEnabled is true in the stage's route settings"
        return
    all_settings = method_settings(stage, stack)
    if not all_settings:
        yield "no MethodSettings states dataTraceEnabled false for this stage"
    for method in all_settings:
        settings = method.props.get("settings")
        if (
            not isinstance(settings, Mapping)
            or values.as_bool(settings.get("dataTraceEnabled")) is not False
        ):
            yield f"MethodSettings {method.name} does not set dataTraceEnabled false"
