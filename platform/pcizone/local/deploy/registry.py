"""What the local runtime runs, read from what the deploy created in the emulator.

Functions come from `aws:lambda/function:Function` resources (their deployed code is unpacked
as the function's task root), SQS event sources from `aws:lambda/eventSourceMapping` resources,
HTTP routes from `aws:apigatewayv2` routes and the integrations they target. Where the local
cloud must differ from AWS (database access) the change is made here and listed in `notes`.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from pcizone.local.deploy.archives import archive_zip
from pcizone.local.deploy.handlers.base import as_bool, as_int
from pcizone.local.deploy.mocks import DeployedResource
from pcizone.local.schedules import ScheduleSpec, rate_seconds

if TYPE_CHECKING:
    from pcizone.local.postgres_standin import PostgresStandIn
    from pcizone.local.runtime import EventSourceSpec, FunctionSpec, HttpRouteSpec

FUNCTION = "aws:lambda/function:Function"
EVENT_SOURCE_MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
QUEUE = "aws:sqs/queue:Queue"
ROUTE = "aws:apigatewayv2/route:Route"
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget"
INTEGRATION = "aws:apigatewayv2/integration:Integration"
# The payments service's processor setting (payments.config) and what stands in locally.
PROCESSOR_VARIABLE = "PAYMENTS_PROCESSOR"
NETWORK_PROCESSORS = frozenset({"stripe"})
LOCAL_PROCESSOR = "fake"
_DEFAULT_TIMEOUT_SECONDS = 3
_DEFAULT_MEMORY_MB = 128
_DEFAULT_SQS_BATCH = 10
_UNRESERVED = -1


class RegistryError(ValueError):
    pass


@dataclass
class RuntimePlan:
    functions: list[FunctionSpec] = field(default_factory=list)
    event_sources: list[EventSourceSpec] = field(default_factory=list)
    routes: list[HttpRouteSpec] = field(default_factory=list)
    schedules: list[ScheduleSpec] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FunctionBuilder:
    """Turns a deployed function into a runnable spec (code unpacked under `code_root`)."""

    project_dir: Path
    code_root: Path
    standin: PostgresStandIn | None

    def spec(self, resource: DeployedResource, notes: list[str] | None = None) -> FunctionSpec:
        from pcizone.local.runtime import FunctionSpec

        inputs = resource.inputs
        env = {
            str(k): str(v)
            for k, v in ((inputs.get("environment") or {}).get("variables") or {}).items()
        }
        local = self.standin.local_environment(env) if self.standin is not None else None
        if local is not None:
            env = local
            if notes is not None:
                notes.append(
                    f"{resource.id}: reaches the local PostgreSQL with a password over loopback"
                    " (RDS IAM tokens and TLS cannot be verified locally)"
                )
        if env.get(PROCESSOR_VARIABLE) in NETWORK_PROCESSORS:
            # The local cloud has no internet and no real test-mode key (the stack's key is a
            # `secure:` value only the Pulumi CLI can decrypt): the fake processor stands in.
            if notes is not None:
                notes.append(
                    f"{resource.id}: the {env[PROCESSOR_VARIABLE]} processor needs the internet"
                    " and a real test-mode key; the fake processor stands in locally"
                )
            env = {**env, PROCESSOR_VARIABLE: LOCAL_PROCESSOR}
        reserved = as_int(inputs.get("reservedConcurrentExecutions"))
        return FunctionSpec(
            name=resource.id,
            handler=str(inputs["handler"]),
            env=env,
            role_arn=str(inputs["role"]),
            timeout_seconds=as_int(inputs.get("timeout")) or _DEFAULT_TIMEOUT_SECONDS,
            memory_mb=as_int(inputs.get("memorySize")) or _DEFAULT_MEMORY_MB,
            reserved_concurrency=None if reserved in (None, _UNRESERVED) else reserved,
            code_paths=(self.unpack(resource),),
        )

    def unpack(self, resource: DeployedResource) -> Path:
        """The deployed zip, unpacked afresh: Lambda's task root for this function."""
        target = self.code_root / resource.id
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        data = archive_zip(resource.inputs["code"], self.project_dir)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.infolist():
                name = PurePosixPath(member.filename)
                if name.is_absolute() or ".." in name.parts:
                    raise RegistryError(
                        f"{resource.id}: code archive entry {member.filename!r} escapes"
                    )
            archive.extractall(target)
        return target


def runtime_plan(resources: Sequence[DeployedResource], builder: FunctionBuilder) -> RuntimePlan:
    """Specs for every function, enabled SQS mapping and HTTP route among `resources`."""
    from pcizone.local.runtime import EventSourceSpec, HttpRouteSpec

    plan = RuntimePlan()
    functions = [r for r in resources if r.type == FUNCTION]
    by_arn = {str(f.outputs.get("arn")): f.id for f in functions}
    for function in functions:
        plan.functions.append(builder.spec(function, plan.notes))
    queues = {str(r.outputs.get("arn")): r.id for r in resources if r.type == QUEUE}
    for mapping in (r for r in resources if r.type == EVENT_SOURCE_MAPPING):
        inputs = mapping.inputs
        if as_bool(inputs.get("enabled")) is False:
            plan.notes.append(f"event source mapping {mapping.name} is disabled: not polled")
            continue
        queue_arn = str(inputs["eventSourceArn"])
        if queue_arn not in queues:
            raise RegistryError(
                f"event source mapping {mapping.name}: queue {queue_arn} not deployed"
            )
        scaling = inputs.get("scalingConfig") or {}
        plan.event_sources.append(
            EventSourceSpec(
                function_name=_function_name(str(inputs["functionName"]), by_arn),
                queue_url=queues[queue_arn],
                queue_arn=queue_arn,
                batch_size=as_int(inputs.get("batchSize")) or _DEFAULT_SQS_BATCH,
                maximum_concurrency=as_int(scaling.get("maximumConcurrency")),
                report_batch_item_failures="ReportBatchItemFailures"
                in (inputs.get("functionResponseTypes") or []),
                maximum_batching_window_seconds=as_int(inputs.get("maximumBatchingWindowInSeconds"))
                or 0,
            )
        )
    integrations = {r.id: r for r in resources if r.type == INTEGRATION}
    for route in (r for r in resources if r.type == ROUTE):
        target = str(route.inputs.get("target") or "")
        integration = integrations.get(target.removeprefix("integrations/"))
        if integration is None:
            raise RegistryError(
                f"route {route.inputs.get('routeKey')}: target {target!r} not deployed"
            )
        uri = str(integration.inputs.get("integrationUri") or "")
        plan.routes.append(
            HttpRouteSpec(
                route_key=str(route.inputs["routeKey"]),
                function_name=_function_name(_function_arn(uri), by_arn),
            )
        )
    _add_schedules(plan, resources, by_arn)
    return plan


def _add_schedules(
    plan: RuntimePlan, resources: Sequence[DeployedResource], by_arn: dict[str, str]
) -> None:
    """Scheduled rules whose targets are functions of the plan (the emulator never fires them)."""
    rules = {r.id.rsplit("/", 1)[-1]: r for r in resources if r.type == EVENT_RULE}
    for target in (r for r in resources if r.type == EVENT_TARGET):
        rule = rules.get(str(target.inputs.get("rule")))
        function = by_arn.get(str(target.inputs.get("arn")))
        if rule is None or function is None:
            continue
        expression = str(rule.inputs.get("scheduleExpression") or "")
        if not expression or rule.inputs.get("state", "ENABLED") != "ENABLED":
            continue
        every = rate_seconds(expression)
        if every is None:
            plan.notes.append(f"rule {rule.id}: {expression} is not run locally (rates only)")
            continue
        plan.schedules.append(
            ScheduleSpec(
                rule=rule.id,
                rule_arn=str(rule.outputs.get("arn", "")),
                function_name=function,
                every_seconds=every,
                account=rule.placement.account,
                region=rule.placement.region,
                input=target.inputs.get("input"),
            )
        )


def _function_arn(integration_uri: str) -> str:
    """The function behind a Lambda proxy integration (an invoke ARN or the function's ARN)."""
    if "/functions/" in integration_uri:
        return integration_uri.split("/functions/", 1)[1].removesuffix("/invocations")
    return integration_uri


def _function_name(reference: str, by_arn: dict[str, str]) -> str:
    """A function named by name, ARN or qualified ARN."""
    if reference in by_arn:
        return by_arn[reference]
    if ":function:" in reference:
        return reference.split(":function:", 1)[1].split(":", 1)[0]
    return reference
