"""What the Lambda handlers share: the client and the shape of an invoke ARN."""

from __future__ import annotations

from typing import Any

from pcizone.local.deploy.handlers.base import ResourceContext


def lambda_client(ctx: ResourceContext) -> Any:
    return ctx.client("lambda")


def invoke_arn(region: str, function_arn: str) -> str:
    return (
        f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    )
