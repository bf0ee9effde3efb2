"""What the network handlers share: the EC2 client and tags as EC2 takes them."""

from __future__ import annotations

from typing import Any

from pcizone.local.deploy.handlers.base import ResourceContext, tag_list


def ec2_client(ctx: ResourceContext) -> Any:
    return ctx.client("ec2")


def tag_specifications(
    ctx: ResourceContext, kind: str, inputs: dict[str, Any]
) -> list[dict[str, Any]]:
    tags = ctx.tags(inputs)
    return [{"ResourceType": kind, "Tags": tag_list(tags)}] if tags else []


def retag(ctx: ResourceContext, resource_id: str, inputs: dict[str, Any]) -> dict[str, str]:
    tags = ctx.tags(inputs)
    if tags:
        ec2_client(ctx).create_tags(Resources=[resource_id], Tags=tag_list(tags))
    return tags
