"""Explicit AWS providers: one per account (and region) a stack deploys into.

No resource uses the ambient default provider: every provider names its region, pins the
account it may touch, assumes the account's role and sets the stack's default tags.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from pcizone.core.naming import Naming


def management_provider(naming: Naming, region: str) -> aws.Provider:
    """The org stack's provider: the management account's own credentials."""
    return aws.Provider(
        "management",
        region=region,
        default_tags=aws.ProviderDefaultTagsArgs(tags=naming.default_tags()),
    )


def account_provider(
    resource_name: str,
    naming: Naming,
    *,
    account_id: pulumi.Input[str],
    role_name: str,
    region: str,
    session_name: str | None = None,
) -> aws.Provider:
    """A provider that assumes `role_name` in `account_id` and may touch only that account."""
    role_arn = pulumi.Output.concat("arn:aws:iam::", account_id, ":role/", role_name)
    return aws.Provider(
        resource_name,
        region=region,
        allowed_account_ids=[account_id],
        assume_roles=[
            aws.ProviderAssumeRoleArgs(
                role_arn=role_arn,
                session_name=session_name or f"pcizone-{naming.identity.name}",
            )
        ],
        default_tags=aws.ProviderDefaultTagsArgs(tags=naming.default_tags()),
    )
