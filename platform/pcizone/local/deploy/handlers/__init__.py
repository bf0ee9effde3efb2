"""One handler per resource type the local cloud can create in the emulator."""

from __future__ import annotations

from pcizone.local.deploy.handlers import (
    apigatewayv2,
    aurora,
    backup,
    cloudtrail,
    cloudwatch,
    config,
    ebs,
    firehose,
    iam,
    kms,
    lambda_events,
    lambda_functions,
    organizations,
    rds_groups,
    rds_proxy,
    s3,
    secrets,
    security_groups,
    security_services,
    sns,
    sqs,
    vpc,
)
from pcizone.local.deploy.handlers.base import Handler

_MODULES = (
    apigatewayv2,
    aurora,
    backup,
    cloudtrail,
    cloudwatch,
    config,
    ebs,
    firehose,
    iam,
    kms,
    lambda_events,
    lambda_functions,
    organizations,
    rds_groups,
    rds_proxy,
    s3,
    secrets,
    security_groups,
    security_services,
    sns,
    sqs,
    vpc,
)


def _registry() -> dict[str, Handler]:
    found: dict[str, Handler] = {}
    for module in _MODULES:
        for handler in module.HANDLERS:
            if handler.type in found:
                raise RuntimeError(f"two local handlers for {handler.type}")
            found[handler.type] = handler
    return found


HANDLERS: dict[str, Handler] = _registry()
