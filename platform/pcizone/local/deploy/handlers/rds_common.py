"""What the RDS handlers share: the client."""

from __future__ import annotations

from typing import Any

from pcizone.local.deploy.handlers.base import ResourceContext


def rds_client(ctx: ResourceContext) -> Any:
    return ctx.client("rds")
