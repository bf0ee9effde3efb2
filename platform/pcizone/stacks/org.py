"""The org stack (management account): organization, accounts, guardrails, trail, log archive."""

from __future__ import annotations

import pulumi

from pcizone.config.models import OrgConfig
from pcizone.core.context import StackContext
from pcizone.core.providers import management_provider


def build(ctx: StackContext[OrgConfig]) -> None:
    provider = management_provider(ctx.naming, ctx.config.region)
    pulumi.export("region", ctx.config.region)
    pulumi.export("managementProvider", provider.urn)
