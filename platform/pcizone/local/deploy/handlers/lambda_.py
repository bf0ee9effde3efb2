"""Lambda: functions, layers, SQS event source mappings, permissions, and invocations.

The emulator stores functions but can run them only through Docker, so the local runtime runs
them instead (`pcizone.local.runtime`). For the same reason every event source mapping is
created *disabled* in the emulator: enabled, the emulator would itself receive each message
sent to the queue and fail to invoke the function, counting a receive. The state the program
asked for is what the mapping reports, and what the local runtime's poller honours.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pulumi
from pcizone.local.deploy.archives import ArchiveError, archive_zip
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

_DEFAULT_TIMEOUT_SECONDS = 3
_DEFAULT_MEMORY_MB = 128
_UNRESERVED = -1  # pulumi-aws's "no reserved concurrency"
LAYER_PLACEHOLDER = "pcizone-local-layer.txt"
_PLACEHOLDER_TEXT = "pcizone local cloud: layer content is not used locally\n"


def _lambda(ctx: ResourceContext) -> Any:
    return ctx.client("lambda")


def invoke_arn(region: str, function_arn: str) -> str:
    return (
        f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    )


def _code(inputs: dict[str, Any], base: Path) -> dict[str, Any]:
    if inputs.get("code") is not None:
        return {"ZipFile": archive_zip(inputs["code"], base)}
    if inputs.get("s3Bucket"):
        return drop_none(
            {
                "S3Bucket": inputs["s3Bucket"],
                "S3Key": inputs.get("s3Key"),
                "S3ObjectVersion": inputs.get("s3ObjectVersion"),
            }
        )
    if inputs.get("imageUri"):
        return {"ImageUri": inputs["imageUri"]}
    raise ValueError("the function has no code (code, s3Bucket or imageUri)")


def _configuration(inputs: dict[str, Any]) -> dict[str, Any]:
    """Settings shared by CreateFunction and UpdateFunctionConfiguration."""
    vpc = inputs.get("vpcConfig") or {}
    logging = inputs.get("loggingConfig") or {}
    return drop_none(
        {
            "Role": inputs["role"],
            "Handler": inputs.get("handler"),
            "Runtime": inputs.get("runtime"),
            "Description": inputs.get("description") or "",
            "Timeout": as_int(inputs.get("timeout")) or _DEFAULT_TIMEOUT_SECONDS,
            "MemorySize": as_int(inputs.get("memorySize")) or _DEFAULT_MEMORY_MB,
            "Environment": {
                "Variables": dict((inputs.get("environment") or {}).get("variables") or {})
            },
            "KMSKeyArn": inputs.get("kmsKeyArn") or None,
            "Layers": list(inputs.get("layers") or []),
            "TracingConfig": {
                "Mode": (inputs.get("tracingConfig") or {}).get("mode", "PassThrough")
            },
            "DeadLetterConfig": {"TargetArn": inputs["deadLetterConfig"]["targetArn"]}
            if inputs.get("deadLetterConfig")
            else None,
            "VpcConfig": drop_none(
                {
                    "SubnetIds": list(vpc.get("subnetIds") or []),
                    "SecurityGroupIds": list(vpc.get("securityGroupIds") or []),
                    "Ipv6AllowedForDualStack": as_bool(vpc.get("ipv6AllowedForDualStack")),
                }
            )
            if vpc
            else None,
            "LoggingConfig": drop_none(
                {
                    "LogFormat": logging.get("logFormat"),
                    "LogGroup": logging.get("logGroup"),
                    "ApplicationLogLevel": logging.get("applicationLogLevel"),
                    "SystemLogLevel": logging.get("systemLogLevel"),
                }
            )
            if logging
            else None,
            "EphemeralStorage": {"Size": as_int(inputs["ephemeralStorage"]["size"])}
            if inputs.get("ephemeralStorage")
            else None,
        }
    )


class Function(Handler):
    type = "aws:lambda/function:Function"
    replace_on = frozenset({"name", "packageType"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        name = ctx.name_or_auto(inputs)
        client = _lambda(ctx)
        tags = ctx.tags(inputs)
        created = client.create_function(
            FunctionName=name,
            Code=_code(inputs, ctx.project_dir),
            PackageType=inputs.get("packageType") or "Zip",
            Architectures=list(inputs.get("architectures") or ["x86_64"]),
            Publish=bool(as_bool(inputs.get("publish"))),
            Tags=tags,
            **_configuration(inputs),
        )
        self._concurrency(ctx, name, inputs)
        return Deployed(name, self._outputs(ctx, name, created, inputs))

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        client = _lambda(ctx)
        latest = client.update_function_configuration(
            FunctionName=current.id, **_configuration(inputs)
        )
        if changed & {"code", "s3Bucket", "s3Key", "s3ObjectVersion", "imageUri", "architectures"}:
            latest = client.update_function_code(
                FunctionName=current.id,
                Architectures=list(inputs.get("architectures") or ["x86_64"]),
                Publish=bool(as_bool(inputs.get("publish"))),
                **_code(inputs, ctx.project_dir),
            )
        tags = ctx.tags(inputs)
        if tags:
            client.tag_resource(Resource=current.outputs["arn"], Tags=tags)
        self._concurrency(ctx, current.id, inputs)
        return Deployed(current.id, self._outputs(ctx, current.id, latest, inputs))

    def _concurrency(self, ctx: ResourceContext, name: str, inputs: dict[str, Any]) -> None:
        reserved = as_int(inputs.get("reservedConcurrentExecutions"))
        if reserved is None or reserved == _UNRESERVED:
            ignore_missing(_lambda(ctx).delete_function_concurrency, FunctionName=name)
        else:
            _lambda(ctx).put_function_concurrency(
                FunctionName=name, ReservedConcurrentExecutions=reserved
            )

    def _outputs(
        self, ctx: ResourceContext, name: str, config: dict[str, Any], inputs: dict[str, Any]
    ) -> dict[str, Any]:
        arn = str(config["FunctionArn"]).split(":$LATEST")[0]
        version = str(config.get("Version") or "$LATEST")
        qualified = f"{arn}:{version}"
        return {
            "name": name,
            "arn": arn,
            "invokeArn": invoke_arn(ctx.region, arn),
            "qualifiedArn": qualified,
            "qualifiedInvokeArn": invoke_arn(ctx.region, qualified),
            "version": version,
            "lastModified": str(config.get("LastModified", "")),
            "codeSha256": str(config.get("CodeSha256", "")),
            "sourceCodeHash": str(config.get("CodeSha256", "")),
            "sourceCodeSize": int(config.get("CodeSize", 0)),
            "signingJobArn": "",
            "signingProfileVersionArn": "",
            "tagsAll": ctx.tags(inputs),
        }

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_lambda(ctx).delete_function, FunctionName=current.id)


class LayerVersion(Handler):
    """A layer version is immutable: any change publishes a new one (id: its version ARN).

    Locally the layer's content is never used: the runtime runs functions with this
    virtualenv's packages (the same locked dependencies). So the emulator gets a small
    placeholder instead of tens of megabytes it would keep in memory and in every saved local
    cloud; the outputs still report the real archive's hash when it is built.
    """

    type = "aws:lambda/layerVersion:LayerVersion"

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        try:
            real = _code(inputs, ctx.project_dir).get("ZipFile")
            ctx.services.note(
                ctx.urn,
                "layer published as a placeholder: functions run locally"
                " with this virtualenv's packages",
            )
        except ArchiveError as exc:
            real = None  # not built: `make layer` needs the package index
            ctx.services.note(ctx.urn, f"layer published as a placeholder ({exc})")
        placeholder = archive_zip(
            pulumi.AssetArchive({LAYER_PLACEHOLDER: pulumi.StringAsset(_PLACEHOLDER_TEXT)}),
            ctx.project_dir,
        )
        layer = _lambda(ctx).publish_layer_version(
            **drop_none(
                {
                    "LayerName": inputs["layerName"],
                    "Description": inputs.get("description"),
                    "Content": {"ZipFile": placeholder},
                    "CompatibleRuntimes": list(inputs.get("compatibleRuntimes") or []) or None,
                    "CompatibleArchitectures": list(inputs.get("compatibleArchitectures") or [])
                    or None,
                    "LicenseInfo": inputs.get("licenseInfo"),
                }
            )
        )
        content = real if real is not None else placeholder
        sha = _sha256_b64(content)
        return Deployed(
            layer["LayerVersionArn"],
            {
                "arn": layer["LayerVersionArn"],
                "layerArn": layer["LayerArn"],
                "version": str(layer["Version"]),
                "createdDate": str(layer.get("CreatedDate", "")),
                "codeSha256": sha,
                "sourceCodeHash": sha,
                "sourceCodeSize": len(content),
                "signingJobArn": "",
                "signingProfileVersionArn": "",
            },
        )

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        name = str(current.outputs.get("layerArn", "")).rsplit(":", 1)[-1]
        ignore_missing(
            _lambda(ctx).delete_layer_version,
            LayerName=name,
            VersionNumber=int(current.outputs.get("version", 0)),
        )


def _sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


class EventSourceMapping(Handler):
    type = "aws:lambda/eventSourceMapping:EventSourceMapping"
    replace_on = frozenset({"eventSourceArn", "startingPosition", "queues"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        mapping = _lambda(ctx).create_event_source_mapping(
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
        mapping = _lambda(ctx).update_event_source_mapping(
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
        ignore_missing(_lambda(ctx).delete_event_source_mapping, UUID=current.id)


class Permission(Handler):
    type = "aws:lambda/permission:Permission"

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        statement = inputs.get("statementId") or (
            f"{inputs['statementIdPrefix']}{ctx.autoname(32)}"
            if inputs.get("statementIdPrefix")
            else ctx.autoname(100)
        )
        _lambda(ctx).add_permission(
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
            _lambda(ctx).remove_permission,
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
        _lambda(ctx).put_function_event_invoke_config(
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
            _lambda(ctx).delete_function_event_invoke_config,
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
    Function(),
    LayerVersion(),
    EventSourceMapping(),
    Permission(),
    FunctionEventInvokeConfig(),
    Invocation(),
)
