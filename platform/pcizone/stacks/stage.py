"""A stage stack (dev, staging, prod) in its own member account."""

from __future__ import annotations

import pulumi

from pcizone.config.models import StageConfig
from pcizone.core.context import StackContext
from pcizone.core.providers import account_provider


def build(ctx: StackContext[StageConfig]) -> None:
    account_id = ctx.ref_output("org", "accountIds").apply(lambda ids: str(ids[ctx.identity.stage]))
    provider = account_provider(
        "account",
        ctx.naming,
        account_id=account_id,
        role_name=ctx.config.account.assume_role_name,
        region=ctx.config.region,
    )
    pulumi.export("accountId", account_id)
    pulumi.export("region", ctx.config.region)
    pulumi.export("accountProvider", provider.urn)
