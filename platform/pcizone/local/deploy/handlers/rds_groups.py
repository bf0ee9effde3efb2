"""RDS subnet groups and (cluster) parameter groups."""

from __future__ import annotations

from typing import Any

from pcizone.local.deploy.handlers.base import (
    Deployed,
    Handler,
    ResourceContext,
    ignore_missing,
    tag_list,
)
from pcizone.local.deploy.handlers.rds_common import rds_client


class SubnetGroup(Handler):
    type = "aws:rds/subnetGroup:SubnetGroup"
    replace_on = frozenset({"name", "namePrefix"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        name = ctx.name_or_auto(inputs, max_len=255).lower()
        group = rds_client(ctx).create_db_subnet_group(
            DBSubnetGroupName=name,
            DBSubnetGroupDescription=inputs.get("description") or "Managed by Pulumi",
            SubnetIds=list(inputs["subnetIds"]),
            Tags=tag_list(ctx.tags(inputs)),
        )["DBSubnetGroup"]
        return Deployed(name, self._outputs(ctx, name, group, inputs))

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        group = rds_client(ctx).modify_db_subnet_group(
            DBSubnetGroupName=current.id,
            DBSubnetGroupDescription=inputs.get("description") or "Managed by Pulumi",
            SubnetIds=list(inputs["subnetIds"]),
        )["DBSubnetGroup"]
        return Deployed(current.id, self._outputs(ctx, current.id, group, inputs))

    def _outputs(
        self, ctx: ResourceContext, name: str, group: dict[str, Any], inputs: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "name": name,
            "arn": group["DBSubnetGroupArn"],
            "vpcId": group.get("VpcId", ""),
            "supportedNetworkTypes": ["IPV4"],
            "tagsAll": ctx.tags(inputs),
        }

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(rds_client(ctx).delete_db_subnet_group, DBSubnetGroupName=current.id)


def _parameters(inputs: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {
            "ParameterName": p["name"],
            "ParameterValue": str(p["value"]),
            "ApplyMethod": p.get("applyMethod") or "immediate",
        }
        for p in inputs.get("parameters") or []
    ]


class ClusterParameterGroup(Handler):
    type = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
    replace_on = frozenset({"name", "namePrefix", "family", "description"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        name = ctx.name_or_auto(inputs, max_len=255).lower()
        group = rds_client(ctx).create_db_cluster_parameter_group(
            DBClusterParameterGroupName=name,
            DBParameterGroupFamily=inputs["family"],
            Description=inputs.get("description") or "Managed by Pulumi",
            Tags=tag_list(ctx.tags(inputs)),
        )["DBClusterParameterGroup"]
        self._apply(ctx, name, inputs)
        return Deployed(
            name,
            {"name": name, "arn": group["DBClusterParameterGroupArn"], "tagsAll": ctx.tags(inputs)},
        )

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        self._apply(ctx, current.id, inputs)
        return Deployed(current.id, {**current.outputs, "tagsAll": ctx.tags(inputs)})

    def _apply(self, ctx: ResourceContext, name: str, inputs: dict[str, Any]) -> None:
        parameters = _parameters(inputs)
        if parameters:
            rds_client(ctx).modify_db_cluster_parameter_group(
                DBClusterParameterGroupName=name, Parameters=parameters
            )

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(
            rds_client(ctx).delete_db_cluster_parameter_group,
            DBClusterParameterGroupName=current.id,
        )


class ParameterGroup(Handler):
    type = "aws:rds/parameterGroup:ParameterGroup"
    replace_on = frozenset({"name", "namePrefix", "family", "description"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        name = ctx.name_or_auto(inputs, max_len=255).lower()
        group = rds_client(ctx).create_db_parameter_group(
            DBParameterGroupName=name,
            DBParameterGroupFamily=inputs["family"],
            Description=inputs.get("description") or "Managed by Pulumi",
            Tags=tag_list(ctx.tags(inputs)),
        )["DBParameterGroup"]
        self._apply(ctx, name, inputs)
        return Deployed(
            name, {"name": name, "arn": group["DBParameterGroupArn"], "tagsAll": ctx.tags(inputs)}
        )

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        self._apply(ctx, current.id, inputs)
        return Deployed(current.id, {**current.outputs, "tagsAll": ctx.tags(inputs)})

    def _apply(self, ctx: ResourceContext, name: str, inputs: dict[str, Any]) -> None:
        parameters = _parameters(inputs)
        if parameters:
            rds_client(ctx).modify_db_parameter_group(
                DBParameterGroupName=name, Parameters=parameters
            )

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(rds_client(ctx).delete_db_parameter_group, DBParameterGroupName=current.id)


HANDLERS: tuple[Handler, ...] = (
    SubnetGroup(),
    ClusterParameterGroup(),
    ParameterGroup(),
)
