"""A stage program with only what the account foundation needs from the data plane.

It wires `build_account_foundation` exactly as `pcizone.stacks.stage` does (the stage's
provider and its logs key) and subscribes one log group, so the baseline and the log pipeline
are tested on their own, whatever else the stage stack declares.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
from pcizone.baseline.foundation import build_account_foundation
from pcizone.config.loader import config_from_engine
from pcizone.core.context import any_context
from pcizone.core.naming import DataClass
from pcizone.core.providers import account_provider
from pcizone.program import engine_config

identity, config = config_from_engine(pulumi.get_stack(), engine_config())
ctx = any_context(identity, config)
account_id = ctx.ref_output("org", "accountIds").apply(lambda ids: str(ids[identity.stage]))
provider = account_provider(
    "account",
    ctx.naming,
    account_id=account_id,
    role_name=config.account.assume_role_name,
    region=config.region,
)
on_account = pulumi.ResourceOptions(provider=provider)
logs_key = aws.kms.Key(
    "logs-key",
    enable_key_rotation=True,
    deletion_window_in_days=30,
    tags=ctx.naming.tags(DataClass.LOGS, component="fixture"),
    opts=on_account,
)
foundation = build_account_foundation(ctx, provider, logs_key_arn=logs_key.arn)
group = aws.cloudwatch.LogGroup(
    "app-logs",
    name=ctx.naming.name("app"),
    kms_key_id=logs_key.arn,
    retention_in_days=config.logs.retention_days,
    tags=ctx.naming.tags(DataClass.LOGS, component="fixture"),
    opts=on_account,
)
foundation.subscribe("app-logs", group)
for key, value in foundation.exports.items():
    pulumi.export(key, value)
