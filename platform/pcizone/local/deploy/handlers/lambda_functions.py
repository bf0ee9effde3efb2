"""Lambda functions and layers. The emulator stores them; the local runtime runs the functions
(`pcizone.local.runtime`): the emulator could run them only through Docker."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

import pulumi
from pcizone.local.deploy.archives import ArchiveError, archive_zip
from pcizone.local.deploy.handlers.base import (
    Deployed,
    Handler,
    ResourceContext,
    as_bool,
    as_int,
    drop_none,
    ignore_missing,
)
from pcizone.local.deploy.handlers.lambda_common import invoke_arn, lambda_client

_DEFAULT_TIMEOUT_SECONDS = 3


_DEFAULT_MEMORY_MB = 128


_UNRESERVED = -1  # pulumi-aws's "no reserved concurrency"


LAYER_PLACEHOLDER = "pcizone-local-layer.txt"


_PLACEHOLDER_TEXT = "pcizone local cloud: layer content is not used locally\n"


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
        client = lambda_client(ctx)
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
        client = lambda_client(ctx)
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
            ignore_missing(lambda_client(ctx).delete_function_concurrency, FunctionName=name)
        else:
            lambda_client(ctx).put_function_concurrency(
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
        ignore_missing(lambda_client(ctx).delete_function, FunctionName=current.id)


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
            ctx.services.note(
                ctx.urn,
                "layer published as a placeholder: functions run locally with this"
                f" virtualenv's packages; `make layer` builds the real one ({exc})",
            )
        placeholder = archive_zip(
            pulumi.AssetArchive({LAYER_PLACEHOLDER: pulumi.StringAsset(_PLACEHOLDER_TEXT)}),
            ctx.project_dir,
        )
        layer = lambda_client(ctx).publish_layer_version(
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
            lambda_client(ctx).delete_layer_version,
            LayerName=name,
            VersionNumber=int(current.outputs.get("version", 0)),
        )


def _sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


HANDLERS: tuple[Handler, ...] = (
    Function(),
    LayerVersion(),
)
