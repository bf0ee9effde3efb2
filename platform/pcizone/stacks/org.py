"""The org stack (management account): organization, accounts, guardrails, trail, log archive."""

from __future__ import annotations

import pulumi

from pcizone.config.models import OrgConfig
from pcizone.core.context import StackContext
from pcizone.landing_zone.stack import build_landing_zone


def build(ctx: StackContext[OrgConfig]) -> None:
    for key, value in build_landing_zone(ctx).items():
        pulumi.export(key, value)
