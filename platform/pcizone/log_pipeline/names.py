"""Names the org stack must know before the stage stacks exist (its key and bucket policies)."""

from __future__ import annotations

from pcizone.config.stack_names import parse_stack_name
from pcizone.core.naming import Naming

ARCHIVE_PREFIX = "CloudWatchLogs"  # objects: CloudWatchLogs/<account id>/...


def delivery_role_name(naming: Naming) -> str:
    """The Firehose delivery role of a stage account: the archive trusts exactly this name."""
    return naming.name("log-delivery")


def stage_delivery_role_name(stage: str) -> str:
    """The delivery role name a stage stack will create (prefix only: owner/tags irrelevant)."""
    return delivery_role_name(Naming(parse_stack_name(stage), owner="", cost_centre=""))
