"""What calls Lambda functions: SQS event source mappings, permissions, asynchronous invocation
settings, and invocations the deploy itself makes.

The emulator can run functions only through Docker, so the local runtime runs them. Every
event source mapping is created *disabled* in the emulator: enabled, the emulator would itself
receive each message sent to the queue and fail to invoke the function, counting a receive.
The state the program asked for is what the mapping reports, and what the local runtime's
poller honours.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pcizone.local.deploy.handlers.base import (
    Deployed,
    Handler,
    PutHandler,
    ResourceContext,
    as_bool,
    as_int,
    drop_none,
    ignore_missing,
)
from pcizone.local.deploy.handlers.lambda_common import lambda_client


class EventSourceMapping(Handler):
    type = "aws:lambda/eventSourceMapping:EventSourceMapping"
    replace_on = frozenset({"eventSourceArn", "startingPosition", "queues"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        mapping = lambda_client(ctx).create_event_source_mapping(
            EventSourceArn=inputs["eventSourceArn"],
            **self._settings(inputs),
        )
        return Deployed(mapping["UUID"], self._outputs(mapping, inputs))

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        mapping = lambda_client(ctx).update_event_source_mapping(
            UUID=current.id, **self._settings(inputs)
        )
        return Deployed(current.id, self._outputs(mapping, inputs))

    def _settings(self, inputs: dict[str, Any]) -> dict[str, Any]:
        scaling = inputs.get("scalingConfig") or {}
        criteria = inputs.get("filterCriteria") or {}
        return drop_none(
            {
                "FunctionName": inputs["functionName"],
                "BatchSize": as_int(inputs.get("batchSize")),
                "MaximumBatchingWindowInSeconds": as_int(
                    inputs.get("maximumBatchingWindowInSeconds")
                ),
                "FunctionResponseTypes": list(inputs.get("functionResponseTypes") or []),
                "ScalingConfig": {"MaximumConcurrency": as_int(scaling["maximumConcurrency"])}
                if scaling.get("maximumConcurrency")
                else None,
                "FilterCriteria": {
                    "Filters": [{"Pattern": f["pattern"]} for f in criteria.get("filters") or []]
                }
                if criteria
                else None,
                # See the module docstring: the local runtime's poller is the only consumer.
                "Enabled": False,
            }
        )

    def _outputs(self, mapping: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
        enabled = as_bool(inputs.get("enabled"))
        return {
            "uuid": mapping["UUID"],
            "arn": mapping.get("EventSourceMappingArn", ""),
            "functionArn": mapping["FunctionArn"],
            "state": "Disabled" if enabled is False else "Enabled",
            "stateTransitionReason": "USER_INITIATED",
            "lastModified": str(mapping.get("LastModified", "")),
            "lastProcessingResult": "",
        }

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(lambda_client(ctx).delete_event_source_mapping, UUID=current.id)


class Permission(Handler):
    type = "aws:lambda/permission:Permission"

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        statement = inputs.get("statementId") or (
            f"{inputs['statementIdPrefix']}{ctx.autoname(32)}"
            if inputs.get("statementIdPrefix")
            else ctx.autoname(100)
        )
        lambda_client(ctx).add_permission(
            **drop_none(
                {
                    "FunctionName": inputs["function"],
                    "StatementId": statement,
                    "Action": inputs["action"],
                    "Principal": inputs["principal"],
                    "SourceArn": inputs.get("sourceArn"),
                    "SourceAccount": inputs.get("sourceAccount"),
                    "Qualifier": inputs.get("qualifier"),
                    "PrincipalOrgID": inputs.get("principalOrgId"),
                    "FunctionUrlAuthType": inputs.get("functionUrlAuthType"),
                }
            )
        )
        return Deployed(statement, {"statementId": statement, "function": inputs["function"]})

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(
            lambda_client(ctx).remove_permission,
            FunctionName=current.outputs["function"],
            StatementId=current.id,
        )


class FunctionEventInvokeConfig(PutHandler):
    """Asynchronous invocation settings (id: the function name, or `name:qualifier`)."""

    type = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
    replace_on = frozenset({"functionName", "qualifier"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        function, qualifier = str(inputs["functionName"]), inputs.get("qualifier")
        destinations = inputs.get("destinationConfig") or {}
        config: dict[str, Any] = {}
        for key, api in (("onFailure", "OnFailure"), ("onSuccess", "OnSuccess")):
            if (destinations.get(key) or {}).get("destination"):
                config[api] = {"Destination": destinations[key]["destination"]}
        lambda_client(ctx).put_function_event_invoke_config(
            **drop_none(
                {
                    "FunctionName": function,
                    "Qualifier": qualifier,
                    "MaximumRetryAttempts": as_int(inputs.get("maximumRetryAttempts")),
                    "MaximumEventAgeInSeconds": as_int(inputs.get("maximumEventAgeInSeconds")),
                    "DestinationConfig": config or None,
                }
            )
        )
        return Deployed(f"{function}:{qualifier}" if qualifier else function)

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        function, _sep, qualifier = current.id.partition(":")
        ignore_missing(
            lambda_client(ctx).delete_function_event_invoke_config,
            **drop_none({"FunctionName": function, "Qualifier": qualifier or None}),
        )


class Invocation(Handler):
    """Runs the function once through the local runtime when created or when its input or
    triggers change (pulumi-aws's default CREATE_ONLY lifecycle); `result` is its answer."""

    type = "aws:lambda/invocation:Invocation"

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        function = str(inputs["functionName"])
        payload = json.loads(inputs.get("input") or "{}")
        result = ctx.services.invoke_function(ctx.account, function, payload)
        digest = hashlib.sha256(str(inputs.get("input") or "").encode()).hexdigest()[:16]
        qualifier = inputs.get("qualifier") or "$LATEST"
        ctx.services.note(ctx.urn, f"ran function {function} during the deploy")
        return Deployed(
            f"{function}_{qualifier}_{digest}", {"result": json.dumps(result, sort_keys=True)}
        )

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        # CREATE_ONLY: nothing to undo.
        return


HANDLERS: tuple[Handler, ...] = (
    EventSourceMapping(),
    Permission(),
    FunctionEventInvokeConfig(),
    Invocation(),
)
