"""Providers into the member accounts, assuming the organization's member role."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from pcizone.config.models import OrgConfig
from pcizone.core.context import StackContext
from pcizone.core.providers import account_provider


def member_providers(
    ctx: StackContext[OrgConfig], account_ids: dict[str, pulumi.Output[str]]
) -> dict[str, aws.Provider]:
    """One provider per member account (keys as in pcizone:organization.accounts)."""
    return {
        key: account_provider(
            f"account-{key}",
            ctx.naming,
            account_id=account_id,
            role_name=ctx.config.organization.member_role_name,
            region=ctx.config.region,
        )
        for key, account_id in account_ids.items()
    }
