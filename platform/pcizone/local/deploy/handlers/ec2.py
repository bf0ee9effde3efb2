"""The network: VPC, subnets, route tables, security groups and rules, endpoints, flow logs,
and the account's EBS encryption default (stored by the emulator; no traffic flows)."""

from __future__ import annotations

from typing import Any

from pcizone.local.deploy.handlers.base import (
    Deployed,
    Handler,
    PutHandler,
    ReplaceNeeded,
    ResourceContext,
    as_bool,
    as_int,
    as_json,
    drop_none,
    ignore_missing,
    tag_list,
)

_ALL_PROTOCOLS = "-1"


def _ec2(ctx: ResourceContext) -> Any:
    return ctx.client("ec2")


def _tag_spec(ctx: ResourceContext, kind: str, inputs: dict[str, Any]) -> list[dict[str, Any]]:
    tags = ctx.tags(inputs)
    return [{"ResourceType": kind, "Tags": tag_list(tags)}] if tags else []


def _retag(ctx: ResourceContext, resource_id: str, inputs: dict[str, Any]) -> dict[str, str]:
    tags = ctx.tags(inputs)
    if tags:
        _ec2(ctx).create_tags(Resources=[resource_id], Tags=tag_list(tags))
    return tags


class Vpc(Handler):
    type = "aws:ec2/vpc:Vpc"
    replace_on = frozenset({"cidrBlock", "instanceTenancy", "ipv4IpamPoolId"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        client = _ec2(ctx)
        vpc = client.create_vpc(
            CidrBlock=inputs["cidrBlock"],
            InstanceTenancy=inputs.get("instanceTenancy") or "default",
            TagSpecifications=_tag_spec(ctx, "vpc", inputs),
        )["Vpc"]
        vpc_id = vpc["VpcId"]
        self._attributes(ctx, vpc_id, inputs)
        return Deployed(vpc_id, self._outputs(ctx, vpc, inputs))

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        self._attributes(ctx, current.id, inputs)
        return Deployed(current.id, {**current.outputs, "tagsAll": _retag(ctx, current.id, inputs)})

    def _attributes(self, ctx: ResourceContext, vpc_id: str, inputs: dict[str, Any]) -> None:
        client = _ec2(ctx)
        # One attribute per call, as the API requires; DNS support defaults on, hostnames off.
        support = as_bool(inputs.get("enableDnsSupport"))
        hostnames = as_bool(inputs.get("enableDnsHostnames"))
        client.modify_vpc_attribute(
            VpcId=vpc_id, EnableDnsSupport={"Value": True if support is None else support}
        )
        client.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": bool(hostnames)})

    def _outputs(
        self, ctx: ResourceContext, vpc: dict[str, Any], inputs: dict[str, Any]
    ) -> dict[str, Any]:
        client = _ec2(ctx)
        vpc_id = vpc["VpcId"]
        by_vpc = {"Name": "vpc-id", "Values": [vpc_id]}
        group = client.describe_security_groups(
            Filters=[by_vpc, {"Name": "group-name", "Values": ["default"]}]
        )["SecurityGroups"][0]["GroupId"]
        table = client.describe_route_tables(
            Filters=[by_vpc, {"Name": "association.main", "Values": ["true"]}]
        )["RouteTables"][0]["RouteTableId"]
        acl = client.describe_network_acls(
            Filters=[by_vpc, {"Name": "default", "Values": ["true"]}]
        )["NetworkAcls"][0]["NetworkAclId"]
        return {
            "arn": ctx.arn("ec2", f"vpc/{vpc_id}"),
            "ownerId": vpc.get("OwnerId", ctx.account),
            "dhcpOptionsId": vpc.get("DhcpOptionsId", ""),
            "defaultSecurityGroupId": group,
            "defaultRouteTableId": table,
            "mainRouteTableId": table,
            "defaultNetworkAclId": acl,
            "tagsAll": ctx.tags(inputs),
        }

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_ec2(ctx).delete_vpc, VpcId=current.id)


class Subnet(Handler):
    type = "aws:ec2/subnet:Subnet"
    replace_on = frozenset({"vpcId", "cidrBlock", "availabilityZone", "availabilityZoneId"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        subnet = _ec2(ctx).create_subnet(
            **drop_none(
                {
                    "VpcId": inputs["vpcId"],
                    "CidrBlock": inputs["cidrBlock"],
                    "AvailabilityZone": inputs.get("availabilityZone"),
                    "AvailabilityZoneId": inputs.get("availabilityZoneId"),
                    "TagSpecifications": _tag_spec(ctx, "subnet", inputs),
                }
            )
        )["Subnet"]
        subnet_id = subnet["SubnetId"]
        self._attributes(ctx, subnet_id, inputs)
        return Deployed(
            subnet_id,
            {
                "arn": subnet.get("SubnetArn") or ctx.arn("ec2", f"subnet/{subnet_id}"),
                "ownerId": subnet.get("OwnerId", ctx.account),
                "availabilityZone": subnet["AvailabilityZone"],
                "availabilityZoneId": subnet.get("AvailabilityZoneId", ""),
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
        self._attributes(ctx, current.id, inputs)
        return Deployed(current.id, {**current.outputs, "tagsAll": _retag(ctx, current.id, inputs)})

    def _attributes(self, ctx: ResourceContext, subnet_id: str, inputs: dict[str, Any]) -> None:
        _ec2(ctx).modify_subnet_attribute(
            SubnetId=subnet_id,
            MapPublicIpOnLaunch={"Value": bool(as_bool(inputs.get("mapPublicIpOnLaunch")))},
        )

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_ec2(ctx).delete_subnet, SubnetId=current.id)


class RouteTable(Handler):
    type = "aws:ec2/routeTable:RouteTable"
    replace_on = frozenset({"vpcId"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        client = _ec2(ctx)
        table = client.create_route_table(
            VpcId=inputs["vpcId"], TagSpecifications=_tag_spec(ctx, "route-table", inputs)
        )["RouteTable"]
        table_id = table["RouteTableId"]
        for route in inputs.get("routes") or []:
            client.create_route(RouteTableId=table_id, **_route(route))
        return Deployed(
            table_id,
            {
                "arn": ctx.arn("ec2", f"route-table/{table_id}"),
                "ownerId": table.get("OwnerId", ctx.account),
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
        if "routes" in changed:
            raise ReplaceNeeded
        return Deployed(current.id, {**current.outputs, "tagsAll": _retag(ctx, current.id, inputs)})

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_ec2(ctx).delete_route_table, RouteTableId=current.id)


def _route(route: dict[str, Any]) -> dict[str, Any]:
    return drop_none(
        {
            "DestinationCidrBlock": route.get("cidrBlock"),
            "DestinationIpv6CidrBlock": route.get("ipv6CidrBlock"),
            "DestinationPrefixListId": route.get("destinationPrefixListId"),
            "GatewayId": route.get("gatewayId"),
            "NatGatewayId": route.get("natGatewayId"),
            "VpcEndpointId": route.get("vpcEndpointId"),
            "TransitGatewayId": route.get("transitGatewayId"),
            "NetworkInterfaceId": route.get("networkInterfaceId"),
        }
    )


class RouteTableAssociation(Handler):
    type = "aws:ec2/routeTableAssociation:RouteTableAssociation"
    replace_on = frozenset({"subnetId", "gatewayId"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        association = _ec2(ctx).associate_route_table(
            **drop_none(
                {
                    "RouteTableId": inputs["routeTableId"],
                    "SubnetId": inputs.get("subnetId"),
                    "GatewayId": inputs.get("gatewayId"),
                }
            )
        )["AssociationId"]
        return Deployed(association)

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        new_id = _ec2(ctx).replace_route_table_association(
            AssociationId=current.id, RouteTableId=inputs["routeTableId"]
        )["NewAssociationId"]
        return Deployed(new_id)

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_ec2(ctx).disassociate_route_table, AssociationId=current.id)


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
    client = _ec2(ctx)
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
        group_id = _ec2(ctx).create_security_group(
            **drop_none(
                {
                    "GroupName": name,
                    "Description": inputs.get("description") or "Managed by Pulumi",
                    "VpcId": inputs.get("vpcId"),
                    "TagSpecifications": _tag_spec(ctx, "security-group", inputs),
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
        return Deployed(current.id, {**current.outputs, "tagsAll": _retag(ctx, current.id, inputs)})

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_ec2(ctx).delete_security_group, GroupId=current.id)


class DefaultSecurityGroup(PutHandler):
    """Adopts the VPC's default group and sets exactly the given rules (none: no traffic)."""

    type = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
    replace_on = frozenset({"vpcId"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        group = _ec2(ctx).describe_security_groups(
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
                "tagsAll": _retag(ctx, group_id, inputs),
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
        client = _ec2(ctx)
        authorize = (
            client.authorize_security_group_egress
            if self.egress
            else client.authorize_security_group_ingress
        )
        rule = authorize(
            GroupId=inputs["securityGroupId"],
            IpPermissions=[permission],
            TagSpecifications=_tag_spec(ctx, "security-group-rule", inputs),
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
        client = _ec2(ctx)
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


class VpcEndpoint(Handler):
    type = "aws:ec2/vpcEndpoint:VpcEndpoint"
    replace_on = frozenset({"vpcId", "serviceName", "vpcEndpointType"})

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        endpoint_type = inputs.get("vpcEndpointType") or "Gateway"
        endpoint = _ec2(ctx).create_vpc_endpoint(
            **drop_none(
                {
                    "VpcId": inputs["vpcId"],
                    "ServiceName": inputs["serviceName"],
                    "VpcEndpointType": endpoint_type,
                    "PolicyDocument": as_json(inputs.get("policy")),
                    "SubnetIds": list(inputs.get("subnetIds") or []) or None,
                    "SecurityGroupIds": list(inputs.get("securityGroupIds") or []) or None,
                    "RouteTableIds": list(inputs.get("routeTableIds") or []) or None,
                    "PrivateDnsEnabled": as_bool(inputs.get("privateDnsEnabled"))
                    if endpoint_type == "Interface"
                    else None,
                    "IpAddressType": inputs.get("ipAddressType"),
                    "TagSpecifications": _tag_spec(ctx, "vpc-endpoint", inputs),
                }
            )
        )["VpcEndpoint"]
        endpoint_id = endpoint["VpcEndpointId"]
        return Deployed(endpoint_id, self._outputs(ctx, endpoint, inputs))

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        client = _ec2(ctx)
        if "policy" in changed:
            if inputs.get("policy"):
                client.modify_vpc_endpoint(
                    VpcEndpointId=current.id, PolicyDocument=as_json(inputs["policy"])
                )
            else:
                client.modify_vpc_endpoint(VpcEndpointId=current.id, ResetPolicy=True)
        if changed & {"subnetIds", "securityGroupIds", "routeTableIds", "privateDnsEnabled"}:
            raise ReplaceNeeded
        return Deployed(current.id, {**current.outputs, "tagsAll": _retag(ctx, current.id, inputs)})

    def _outputs(
        self, ctx: ResourceContext, endpoint: dict[str, Any], inputs: dict[str, Any]
    ) -> dict[str, Any]:
        endpoint_id = endpoint["VpcEndpointId"]
        prefix = ""
        if (inputs.get("vpcEndpointType") or "Gateway") == "Gateway":
            lists = _ec2(ctx).describe_prefix_lists(
                Filters=[{"Name": "prefix-list-name", "Values": [inputs["serviceName"]]}]
            )["PrefixLists"]
            prefix = lists[0]["PrefixListId"] if lists else ""
        return {
            "arn": ctx.arn("ec2", f"vpc-endpoint/{endpoint_id}"),
            "ownerId": endpoint.get("OwnerId", ctx.account),
            "state": endpoint.get("State", "available"),
            "dnsEntries": [
                {"dnsName": d.get("DnsName", ""), "hostedZoneId": d.get("HostedZoneId", "")}
                for d in endpoint.get("DnsEntries", [])
            ],
            "networkInterfaceIds": list(endpoint.get("NetworkInterfaceIds", [])),
            "prefixListId": prefix,
            "cidrBlocks": [],
            "requesterManaged": False,
            "tagsAll": ctx.tags(inputs),
        }

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_ec2(ctx).delete_vpc_endpoints, VpcEndpointIds=[current.id])


class FlowLog(Handler):
    type = "aws:ec2/flowLog:FlowLog"
    replace_on = frozenset(
        {
            "vpcId",
            "subnetId",
            "eniId",
            "trafficType",
            "logDestination",
            "logDestinationType",
            "iamRoleArn",
            "maxAggregationInterval",
            "logFormat",
        }
    )

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        kinds = (("vpcId", "VPC"), ("subnetId", "Subnet"), ("eniId", "NetworkInterface"))
        resource_id, kind = next((inputs[k], t) for k, t in kinds if inputs.get(k))
        result = _ec2(ctx).create_flow_logs(
            **drop_none(
                {
                    "ResourceIds": [resource_id],
                    "ResourceType": kind,
                    "TrafficType": inputs.get("trafficType") or "ALL",
                    "LogDestinationType": inputs.get("logDestinationType") or "cloud-watch-logs",
                    "LogDestination": inputs.get("logDestination"),
                    "DeliverLogsPermissionArn": inputs.get("iamRoleArn"),
                    "MaxAggregationInterval": as_int(inputs.get("maxAggregationInterval")),
                    "LogFormat": inputs.get("logFormat"),
                    "TagSpecifications": _tag_spec(ctx, "vpc-flow-log", inputs),
                }
            )
        )
        if result.get("Unsuccessful"):
            raise RuntimeError(f"flow log not created: {result['Unsuccessful'][0]}")
        flow_id = result["FlowLogIds"][0]
        return Deployed(
            flow_id,
            {"arn": ctx.arn("ec2", f"vpc-flow-log/{flow_id}"), "tagsAll": ctx.tags(inputs)},
        )

    def update(
        self,
        ctx: ResourceContext,
        current: Deployed,
        inputs: dict[str, Any],
        changed: frozenset[str],
    ) -> Deployed:
        return Deployed(current.id, {**current.outputs, "tagsAll": _retag(ctx, current.id, inputs)})

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_ec2(ctx).delete_flow_logs, FlowLogIds=[current.id])


class EbsEncryptionByDefault(PutHandler):
    """The region's default for new EBS volumes; id is the region, as pulumi-aws's."""

    type = "aws:ebs/encryptionByDefault:EncryptionByDefault"

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        client = _ec2(ctx)
        enabled = as_bool(inputs.get("enabled"))
        if enabled is None or enabled:
            client.enable_ebs_encryption_by_default()
        else:
            client.disable_ebs_encryption_by_default()
        return Deployed(ctx.region)

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_ec2(ctx).disable_ebs_encryption_by_default)


class EbsDefaultKmsKey(PutHandler):
    type = "aws:ebs/defaultKmsKey:DefaultKmsKey"

    def create(self, ctx: ResourceContext, inputs: dict[str, Any]) -> Deployed:
        _ec2(ctx).modify_ebs_default_kms_key_id(KmsKeyId=inputs["keyArn"])
        return Deployed(str(inputs["keyArn"]))

    def delete(self, ctx: ResourceContext, current: Deployed) -> None:
        ignore_missing(_ec2(ctx).reset_ebs_default_kms_key_id)


HANDLERS: tuple[Handler, ...] = (
    Vpc(),
    Subnet(),
    RouteTable(),
    RouteTableAssociation(),
    SecurityGroup(),
    DefaultSecurityGroup(),
    SecurityGroupIngressRule(),
    SecurityGroupEgressRule(),
    VpcEndpoint(),
    FlowLog(),
    EbsEncryptionByDefault(),
    EbsDefaultKmsKey(),
)
