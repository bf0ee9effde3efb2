"""Security groups: groups with inline rules, the VPC's default group, and rules as their own
resources (`aws:vpc/...Rule`)."""

from __future__ import annotations

from typing import Any

from pcizone.local.deploy.handlers.base import (
    Deployed,
    Handler,
    PutHandler,
    ResourceContext,
    as_int,
    drop_none,
    ignore_missing,
)
from pcizone.local.deploy.handlers.ec2_common import ec2_client, retag, tag_specifications

_ALL_PROTOCOLS = "-1"


def _permission(rule: dict[str, Any], own_group: str | None = None) -> dict[str, Any]:
    """An inline security group rule (pulumi-aws's shape) as an EC2 IpPermission."""
    protocol = str(rule.get("protocol") or _ALL_PROTOCOLS)
    groups = list(rule.get("securityGroups") or [])
    if rule.get("self") and own_group:
        groups.append(own_group)
    description = rule.get("description")
    permission: dict[str, Any] = {
        "IpProtocol": protocol,
        "IpRanges": [
            drop_none({"CidrIp": c, "Description": description})
            for c in rule.get("cidrBlocks") or []
        ],
        "Ipv6Ranges": [
            drop_none({"CidrIpv6": c, "Description": description})
            for c in rule.get("ipv6CidrBlocks") or []
        ],
        "PrefixListIds": [
            drop_none({"PrefixListId": p, "Description": description})
            for p in rule.get("prefixListIds") or []
        ],
        "UserIdGroupPairs": [drop_none({"GroupId": g, "Description": description}) for g in groups],
    }
    if protocol != _ALL_PROTOCOLS:
        permission["FromPort"] = as_int(rule.get("fromPort"))
        permission["ToPort"] = as_int(rule.get("toPort"))
    return permission


def _reset_rules(
    ctx: ResourceContext, group_id: str, ingress: list[dict[str, Any]], egress: list[dict[str, Any]]
) -> None:
    """Make the group hold exactly these inline rules (the defaults AWS adds are removed)."""
    client = ec2_client(ctx)
    group = client.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    if group["IpPermissions"]:
        client.revoke_security_group_ingress(GroupId=group_id, IpPermissions=group["IpPermissions"])
    if group["IpPermissionsEgress"]:
        client.revoke_security_group_egress(
            GroupId=group_id, IpPermissions=group["IpPermissionsEgress"]
        )
    if ingress:
        client.authorize_security_group_ingress(
            GroupId=group_id, IpPermissions=[_permission(r, group_id) for r in ingress]
        )
    if egress:
        client.authorize_security_group_egress(
            GroupId=group_id, IpPermissions=[_permission(r, group_id) for r in egress]
        )


class SecurityGroup(Handler):
    """Like pulumi-aws, the allow-all egress rule AWS adds to a new group is removed."""

    type = "aws:ec2/securityGroup:SecurityGroup"
    replace_on = frozenset({"name", "namePrefix", "vpcId", "description"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        name = ctx.name_or_auto(inputs, max_len=255)
        group_id = ec2_client(ctx).create_security_group(
            **drop_none(
                {
                    "GroupName": name,
                    "Description": inputs.get("description") or "Managed by Pulumi",
                    "VpcId": inputs.get("vpcId"),
                    "TagSpecifications": tag_specifications(ctx, "security-group", inputs),
                }
            )
        )["GroupId"]
        _reset_rules(ctx, group_id, inputs.get("ingress") or [], inputs.get("egress") or [])
        return Deployed(
            group_id,
            {
                "name": name,
                "arn": ctx.arn("ec2", f"security-group/{group_id}"),
                "ownerId": ctx.account,
                "tagsAll": ctx.tags(inputs),
            },
        )

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        if changed & {"ingress", "egress"}:
            _reset_rules(ctx, current.id, inputs.get("ingress") or [], inputs.get("egress") or [])
        return Deployed(current.id, {**current.outputs, "tagsAll": retag(ctx, current.id, inputs)})

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(ec2_client(ctx).delete_security_group, GroupId=current.id)


class DefaultSecurityGroup(PutHandler):
    """Adopts the VPC's default group and sets exactly the given rules (none: no traffic)."""

    type = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
    replace_on = frozenset({"vpcId"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        group = ec2_client(ctx).describe_security_groups(
            Filters=[
                {"Name": "vpc-id", "Values": [inputs["vpcId"]]},
                {"Name": "group-name", "Values": ["default"]},
            ]
        )["SecurityGroups"][0]
        group_id = group["GroupId"]
        _reset_rules(ctx, group_id, inputs.get("ingress") or [], inputs.get("egress") or [])
        return Deployed(
            group_id,
            {
                "name": "default",
                "arn": ctx.arn("ec2", f"security-group/{group_id}"),
                "ownerId": ctx.account,
                "description": group.get("Description", "default VPC security group"),
                "tagsAll": retag(ctx, group_id, inputs),
            },
        )

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        # AWS never deletes a default group; the resource only stops managing it.
        return


class _SecurityGroupRule(Handler):
    """One rule as its own resource (`aws:vpc/...Rule`); any change makes a new rule."""

    egress: bool

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        protocol = str(inputs.get("ipProtocol") or _ALL_PROTOCOLS)
        description = inputs.get("description")
        permission: dict[str, Any] = {"IpProtocol": protocol}
        if protocol != _ALL_PROTOCOLS:
            permission["FromPort"] = as_int(inputs.get("fromPort"))
            permission["ToPort"] = as_int(inputs.get("toPort"))
        if inputs.get("cidrIpv4"):
            permission["IpRanges"] = [
                drop_none({"CidrIp": inputs["cidrIpv4"], "Description": description})
            ]
        if inputs.get("cidrIpv6"):
            permission["Ipv6Ranges"] = [
                drop_none({"CidrIpv6": inputs["cidrIpv6"], "Description": description})
            ]
        if inputs.get("prefixListId"):
            permission["PrefixListIds"] = [
                drop_none({"PrefixListId": inputs["prefixListId"], "Description": description})
            ]
        if inputs.get("referencedSecurityGroupId"):
            permission["UserIdGroupPairs"] = [
                drop_none(
                    {"GroupId": inputs["referencedSecurityGroupId"], "Description": description}
                )
            ]
        client = ec2_client(ctx)
        authorize = (
            client.authorize_security_group_egress
            if self.egress
            else client.authorize_security_group_ingress
        )
        rule = authorize(
            GroupId=inputs["securityGroupId"],
            IpPermissions=[permission],
            TagSpecifications=tag_specifications(ctx, "security-group-rule", inputs),
        )["SecurityGroupRules"][0]
        rule_id = rule["SecurityGroupRuleId"]
        return Deployed(
            rule_id,
            {
                "securityGroupRuleId": rule_id,
                "arn": ctx.arn("ec2", f"security-group-rule/{rule_id}"),
                "tagsAll": ctx.tags(inputs),
                "securityGroupId": inputs["securityGroupId"],
            },
        )

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        client = ec2_client(ctx)
        revoke = (
            client.revoke_security_group_egress
            if self.egress
            else client.revoke_security_group_ingress
        )
        ignore_missing(
            revoke, GroupId=current.outputs["securityGroupId"], SecurityGroupRuleIds=[current.id]
        )


class SecurityGroupIngressRule(_SecurityGroupRule):
    type = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
    egress = False


class SecurityGroupEgressRule(_SecurityGroupRule):
    type = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
    egress = True


HANDLERS: tuple[Handler, ...] = (
    SecurityGroup(),
    DefaultSecurityGroup(),
    SecurityGroupIngressRule(),
    SecurityGroupEgressRule(),
)
