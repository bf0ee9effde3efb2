"""The payment processor's API key, in Secrets Manager under the secrets key.

The value comes from the stack's `pcizone:processorApiKey` (a Pulumi secret) and is only ever
a secret Output: it never appears in the plan, the logs or an environment variable; the
worker reads it by ARN. A developer stack is destroyed and re-created under the same name, so
its secret is recoverable for 7 days instead of 30.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from pcizone.core.naming import DataClass, Naming
from pcizone.data.placement import Placement

DEVELOPER_RECOVERY_DAYS = 7
# The processor issues API keys, so no rotation Lambda can make a new one: the key is rotated
# by hand every 90 days following the runbook, declared here for the policy pack.
MANUAL_ROTATION_DAYS = 90
RUNBOOK = "docs/runbooks/rotate-processor-key.md"
STAGE_RECOVERY_DAYS = 30


def processor_key_secret(
    name: str,
    *,
    api_key: pulumi.Input[str],
    key_arn: pulumi.Input[str],
    developer_stack: bool,
    naming: Naming,
    placement: Placement,
    parent: pulumi.Resource,
) -> aws.secretsmanager.Secret:
    secret = aws.secretsmanager.Secret(
        f"{name}-processor-key",
        name=f"{naming.prefix}/payments/processor-api-key",
        description=(
            "Payment processor API key (read by the worker only);"
            f" rotated by hand every {MANUAL_ROTATION_DAYS} days: {RUNBOOK}"
        ),
        kms_key_id=key_arn,
        recovery_window_in_days=(
            DEVELOPER_RECOVERY_DAYS if developer_stack else STAGE_RECOVERY_DAYS
        ),
        tags={
            **naming.tags(DataClass.SECRETS, component="payments"),
            "pcizone:rotation": "manual",
            "pcizone:rotation-max-days": str(MANUAL_ROTATION_DAYS),
        },
        opts=placement.opts(parent),
    )
    aws.secretsmanager.SecretVersion(
        f"{name}-processor-key-value",
        secret_id=secret.id,
        secret_string=pulumi.Output.secret(api_key),
        opts=placement.opts(parent),
    )
    return secret
