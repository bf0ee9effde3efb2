"""A developer or review stack (dev-<name>, pr-<n>): the payments service in the dev account."""

from __future__ import annotations

import pulumi

from pcizone.config.models import DeveloperConfig
from pcizone.core.context import StackContext
from pcizone.core.providers import account_provider


def build(ctx: StackContext[DeveloperConfig]) -> None:
    account_id = ctx.ref_output("dev", "accountId")
    provider = account_provider(
        "account",
        ctx.naming,
        account_id=account_id,
        role_name="OrganizationAccountAccessRole",
        region=ctx.config.region,
    )
    pulumi.export("accountId", account_id)
    pulumi.export("accountProvider", provider.urn)
